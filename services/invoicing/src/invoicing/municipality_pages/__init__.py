"""The municipality's pages under ``/municipality`` (issue 12): its co-financing statements (list, open,
download) and its progress figures with charts rendered on the server as SVG."""
