"""A small Tornado dashboard over data/sales.csv.

Edit TITLE or the CSV and save: the preview restarts the app and shows the change.
"""
import asyncio
import csv
import os
from pathlib import Path

import tornado.web

TITLE = "Monthly sales"
DATA = Path(__file__).parent / "data" / "sales.csv"


def load():
    with DATA.open(newline="") as f:
        return [(row["month"], float(row["sales"])) for row in csv.DictReader(f)]


def bar_chart(rows, width=520, height=240):
    top = max(v for _, v in rows) or 1
    bar = width / len(rows)
    parts = []
    for i, (label, value) in enumerate(rows):
        h = (height - 30) * value / top
        x = i * bar + 8
        parts.append(f'<rect x="{x:.0f}" y="{height - 20 - h:.0f}" width="{bar - 16:.0f}" height="{h:.0f}" fill="#3794ff"/>')
        parts.append(f'<text x="{x + (bar - 16) / 2:.0f}" y="{height - 5}" text-anchor="middle" font-size="12">{label}</text>')
    return f'<svg width="{width}" height="{height}" role="img" aria-label="sales chart">{"".join(parts)}</svg>'


class Dashboard(tornado.web.RequestHandler):
    def get(self):
        rows = load()
        total = sum(v for _, v in rows)
        self.write(
            f"<html><body style='font-family:sans-serif'><h1 id='msg'>{TITLE}</h1>"
            f"<p>{len(rows)} months, total {total:,.0f}</p>{bar_chart(rows)}</body></html>"
        )


async def main():
    app = tornado.web.Application([(r"/", Dashboard)])
    app.listen(int(os.environ["PORT"]), address=os.environ.get("HOST", "127.0.0.1"))
    print(f"Dashboard on http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ['PORT']}/", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    asyncio.run(main())
