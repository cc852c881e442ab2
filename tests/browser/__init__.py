"""Browser test support: a private JupyterLab server and the notebook it opens."""
