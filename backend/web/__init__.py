"""The caption web page of live-event rooms (`tolk serve --http-port P`): Starlette served by uvicorn."""
