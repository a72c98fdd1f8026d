"""The dashboard and the REST API (`scraper serve`): pages and endpoints over the service layer."""
