"""The company approval portal: server-rendered pages where a company's approvers log in by e-mailed
link and approve or reject the hours their hired citizens worked."""
