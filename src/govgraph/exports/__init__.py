"""Files other tools read: network formats, the VoID/DCAT description and the coverage report."""
