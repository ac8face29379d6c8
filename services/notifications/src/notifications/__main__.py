import uvicorn

from notifications.app import create_app
from notifications.config import NotificationsSettings


def main() -> None:
    settings = NotificationsSettings()
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port)


if __name__ == "__main__":
    main()
