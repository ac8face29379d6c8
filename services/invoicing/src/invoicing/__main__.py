import uvicorn

from invoicing.app import create_app
from invoicing.config import InvoicingSettings

if __name__ == "__main__":
    settings = InvoicingSettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, access_log=False)
