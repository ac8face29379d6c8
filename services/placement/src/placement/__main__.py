import uvicorn

from placement.app import create_app
from placement.config import PlacementSettings

if __name__ == "__main__":
    settings = PlacementSettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, access_log=False)
