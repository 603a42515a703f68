"""A minimal host service: merx behind a JSON-over-HTTP API, standard library only.

Endpoints (all JSON):

* ``POST /customers`` ``{"id", "name", "phone", "region", "address"}``
* ``POST /carts/<customer>/items`` ``{"sku", "quantity"}``
* ``GET /quote/<customer>``: the trial calculation
* ``POST /orders`` ``{"customer", "expected_payable"}``: place the cart
* ``POST /payments`` ``{"parent_id", "channel"}``: pay a parent order
* ``POST /notifications/<channel>``: a payment channel's asynchronous notification

Errors come back as ``{"error": <MerxError subclass name>, "message": ...}`` with status
400 (bad input), 404 (not found), 409 (state or rule) or 503 (outside system). It uses only
merx's public API and its in-memory adapters. Run: ``python examples/host_service.py``
(serves on 127.0.0.1:8765).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from merx import catalog, checkout, customers, inventory, orders, payments
from merx.app import MemoryApp, build_memory_app
from merx.customers import Address
from merx.errors import (
    ExternalUnavailable,
    MerxError,
    NotFound,
    OutcomeUnknown,
    ValidationError,
)
from merx.kernel.ids import PLATFORM, CustomerId, OrderId, PaymentId, SkuId, WarehouseId
from merx.kernel.money import Money
from merx.payments import PaymentNotification
from merx.payments.ports import GatewayOperation, GatewayStatus

Json = dict[str, Any]


def seeded_app() -> MemoryApp:
    """A shop with one phone in stock in one warehouse serving Shanghai."""
    app = build_memory_app()
    app.handle(
        catalog.CreateSku(SkuId("phone"), "Phone X", PLATFORM, "phone", Money.of("2999.00", "CNY"))
    )
    app.handle(inventory.OpenWarehouse(WarehouseId("wh-sh"), "Shanghai DC", "-", {"Shanghai": 30}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh-sh"), SkuId("phone"), 100, "po-1"))
    return app


def money(data: Json) -> Money:
    return Money.of(str(data["amount"]), str(data["currency"]))


def money_json(value: Money) -> Json:
    return {"amount": str(value.amount), "currency": value.currency}


class Api:
    """The routes, as plain functions of the request body; one lock serializes commands."""

    def __init__(self, app: MemoryApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def route(self, method: str, path: str) -> tuple[Callable[[Json], Json], list[str]]:
        parts = [p for p in path.split("/") if p]
        table: dict[tuple[str, str], Callable[..., Json]] = {
            ("POST", "customers"): self.register,
            ("POST", "carts"): self.add_item,
            ("GET", "quote"): self.quote,
            ("POST", "orders"): self.place,
            ("POST", "payments"): self.pay,
            ("POST", "notifications"): self.notify,
        }
        handler = table.get((method, parts[0] if parts else ""))
        if handler is None:
            raise NotFound(f"no route {method} {path}")
        return handler, parts[1:]

    def register(self, body: Json) -> Json:
        cid = self.app.handle(
            customers.RegisterCustomer(CustomerId(body["id"]), body["name"], body["phone"])
        )
        address = Address(body["name"], body["phone"], body["region"], body["address"])
        self.app.handle(customers.AddAddress(cid, "home", address, default=True))
        return {"customer": cid}

    def add_item(self, body: Json, customer: str, _items: str = "items") -> Json:
        self.app.handle(
            checkout.AddToCart(CustomerId(customer), SkuId(body["sku"]), int(body["quantity"]))
        )
        return {"ok": True}

    def quote(self, body: Json, customer: str) -> Json:
        quote = self.app.quote(CustomerId(customer))
        return {
            "lines": [
                {"sku": line.sku, "quantity": line.quantity, "net": money_json(line.net)}
                for line in quote.lines
            ],
            "total": money_json(quote.total),
            "discount": money_json(quote.discount),
            "payable": money_json(quote.payable),
        }

    def place(self, body: Json, *, key: str | None = None) -> Json:
        expected = money(body["expected_payable"]) if "expected_payable" in body else None
        placed = self.app.handle(
            orders.PlaceOrder(CustomerId(body["customer"]), expected_payable=expected),
            idempotency_key=key,
        )
        return {"parent_id": placed.parent_id, "order_ids": list(placed.order_ids)}

    def pay(self, body: Json, *, key: str | None = None) -> Json:
        command = payments.PayOrder(OrderId(body["parent_id"]), body["channel"])
        outcome = self.app.handle(command, idempotency_key=key)
        return {
            "payment_id": outcome.payment_id,
            "status": outcome.status.value,
            "reason": outcome.reason,
        }

    def notify(self, body: Json, channel: str) -> Json:
        note = PaymentNotification(
            channel=channel,
            event_id=body["event_id"],
            payment_id=PaymentId(body["payment_id"]),
            operation=GatewayOperation(body["operation"]),
            status=GatewayStatus(body["status"]),
            amount=money(body["amount"]),
            reference=body["reference"],
            refund_id=body.get("refund_id"),
            reason=body.get("reason"),
        )
        outcome = self.app.handle(payments.HandlePaymentNotification(note))
        return {"payment_id": outcome.payment_id, "status": outcome.status.value}

    def call(
        self, method: str, path: str, body: Json, idempotency_key: str | None = None
    ) -> tuple[int, Json]:
        """Answer a request; an ``Idempotency-Key`` header reaches placing and paying, so a
        client whose response was lost sends the request again and gets the same answer."""
        try:
            handler, args = self.route(method, path)
            keyed = {"key": idempotency_key} if handler in (self.place, self.pay) else {}
            with self.lock:
                return HTTPStatus.OK, handler(body, *args, **keyed)
        except NotFound as error:
            return HTTPStatus.NOT_FOUND, _error(error)
        except (ValidationError, KeyError, TypeError, ValueError) as error:
            return HTTPStatus.BAD_REQUEST, _error(error)
        except (OutcomeUnknown, ExternalUnavailable) as error:
            return HTTPStatus.SERVICE_UNAVAILABLE, _error(error)
        except MerxError as error:
            return HTTPStatus.CONFLICT, _error(error)


def _error(error: Exception) -> Json:
    return {"error": type(error).__name__, "message": str(error)}


def make_server(api: Api, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status: int
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except json.JSONDecodeError as error:
                status, answer = HTTPStatus.BAD_REQUEST, _error(error)
            else:
                key = self.headers.get("Idempotency-Key")
                status, answer = api.call(method, self.path, body, key)
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._answer("GET")

        def do_POST(self) -> None:
            self._answer("POST")

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

    return ThreadingHTTPServer((host, port), Handler)


if __name__ == "__main__":
    server = make_server(Api(seeded_app()))
    print("merx host service on http://127.0.0.1:8765 (Ctrl-C to stop)")
    server.serve_forever()
