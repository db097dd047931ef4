"""The control API: FastAPI over the store (SQLAlchemy) and Scrapyd (HTTP JSON).

Never imports Scrapy, Twisted, Playwright or Great Expectations; start it with
``uvicorn --factory control_api.app:create_app`` or ``dataops serve``.
"""
