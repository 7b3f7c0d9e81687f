"""A data app on Tornado (Debian python3-tornado), run as a script with HOST/PORT set."""
import asyncio
import os

import tornado.web

MESSAGE = "VERSION-1"


class MainHandler(tornado.web.RequestHandler):
    def get(self):
        self.write(f"<html><body><h1 id='msg'>{MESSAGE}</h1><p>tornado pid {os.getpid()}</p></body></html>")


async def main():
    app = tornado.web.Application([(r"/", MainHandler)])
    app.listen(int(os.environ["PORT"]), address=os.environ.get("HOST", "127.0.0.1"))
    print("tornado ready", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
