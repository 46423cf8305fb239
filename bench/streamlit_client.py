"""A light Streamlit client: one session over the app's websocket (`/_stcore/stream`), the protocol
the browser speaks. It asks the server to run a page, as the browser does on navigation, and collects
every element the run sends until the run finishes. The server does the same work as for a browser
(the page's queries, figures and tables); only the drawing is left out, so twenty of these sessions
load the server, not the client's machine, as twenty Chromium tabs would on two cores."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field

import websockets
from google.protobuf.json_format import MessageToDict
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

TEXT_ELEMENTS = ("markdown", "heading", "alert", "metric", "exception")


@dataclass
class PageRun:
    """What one run of a page sent: its text, its metrics and a digest of every element."""

    finished: str = ""
    texts: list[str] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)
    elements: int = 0
    exceptions: list[str] = field(default_factory=list)
    _digest: hashlib._Hash = field(default_factory=hashlib.sha256, repr=False)

    @property
    def digest(self) -> str:
        return self._digest.hexdigest()

    def add(self, element) -> None:
        kind = element.WhichOneof("type")
        if kind == "download_button":
            element.download_button.ClearField("deferred_file_id")  # a fresh id per run, not content
        self._digest.update(element.SerializeToString(deterministic=True))
        self.elements += 1
        if kind not in TEXT_ELEMENTS:
            return
        body = MessageToDict(getattr(element, kind))
        if kind == "metric":
            self.metrics[body.get("label", "")] = body.get("body", "")
        elif kind == "exception":
            self.exceptions.append(f"{body.get('type', '')}: {body.get('message', '')}")
        self.texts.append(body.get("body", ""))


class Session:
    """One websocket session; `run` navigates it to a page and waits for the run to finish."""

    def __init__(self, base_url: str):
        self.url = base_url.replace("http", "ws", 1) + "/_stcore/stream"
        self.socket = None

    async def __aenter__(self) -> Session:
        self.socket = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.socket.close()

    async def run(self, page: str, query: str, timeout_s: float) -> PageRun:
        back = BackMsg()
        back.rerun_script.page_name = page
        back.rerun_script.query_string = query
        await self.socket.send(back.SerializeToString())
        return await asyncio.wait_for(self._collect(), timeout_s)

    async def _collect(self) -> PageRun:
        result = PageRun()
        while True:
            message = ForwardMsg()
            message.ParseFromString(await self.socket.recv())
            kind = message.WhichOneof("type")
            if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                result.add(message.delta.new_element)
            elif kind == "script_finished":
                result.finished = ForwardMsg.ScriptFinishedStatus.Name(message.script_finished)
                return result
