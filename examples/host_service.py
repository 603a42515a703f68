"""A minimal host service: merx behind a JSON-over-HTTP API, standard library only.

Endpoints (all JSON):

* ``POST /customers`` ``{"id", "name", "phone", "region", "address"}``
* ``POST /carts/<customer>/items`` ``{"sku", "quantity"}``
* ``GET /quote/<customer>``: the trial calculation
* ``POST /orders`` ``{"customer", "expected_payable"}``: place the cart
* ``POST /payments`` ``{"parent_id", "channel"}``: pay a parent order
* ``POST /notifications/<channel>``: a payment channel's asynchronous notification
* ``GET /orders/<order id>``: an order (a seller's order or a parent order)
* ``GET /customers/<customer>/orders[?before=<parent id>&limit=N]``: a page of the
  customer's parent orders, newest first
* ``GET /customers/<customer>/points[?page=N]``: the customer's points balance and a page
  of their points entries, oldest first (50 a page, ``next_page`` null on the last)

``POST /orders`` and ``POST /payments`` honour an ``Idempotency-Key`` header: sent again
with the same key and body, they answer what they answered the first time.

Errors come back as ``{"error": <MerxError subclass name>, "message": ...}`` with status
400 (bad input: a body that is not a JSON object, a missing field, a field of the wrong
type), 404 (not found), 409 (state or rule) or 503 (outside system); never a Python
exception's name. It uses only merx's public API and its in-memory adapters. Run:
``python examples/host_service.py [--host 127.0.0.1] [--port 8765]``.
"""

from __future__ import annotations

import argparse
import enum
import json
import threading
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

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
E = TypeVar("E", bound=enum.Enum)


def seeded_app() -> MemoryApp:
    """A shop with one phone in stock in one warehouse serving Shanghai."""
    app = build_memory_app()
    app.handle(
        catalog.CreateSku(SkuId("phone"), "Phone X", PLATFORM, "phone", Money.of("2999.00", "CNY"))
    )
    app.handle(inventory.OpenWarehouse(WarehouseId("wh-sh"), "Shanghai DC", "-", {"Shanghai": 30}))
    app.handle(inventory.ReceiveStock(WarehouseId("wh-sh"), SkuId("phone"), 100, "po-1"))
    return app


def text(body: Json, name: str) -> str:
    """The string field ``name`` of ``body`` (:class:`ValidationError` naming it otherwise)."""
    value = body.get(name)
    if not isinstance(value, str) or not value:
        raise ValidationError(f"field {name!r} must be a non-empty string, not {value!r}")
    return value


def whole(body: Json, name: str) -> int:
    """The integer field ``name`` (a boolean or a fraction is refused)."""
    value = body.get(name)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"field {name!r} must be a whole number, not {value!r}")
    return value


def money(data: Any) -> Money:
    if not isinstance(data, dict) or set(data) != {"amount", "currency"}:
        raise ValidationError(f"money is {{'amount': '12.50', 'currency': 'CNY'}}, not {data!r}")
    if not all(isinstance(data[name], str) for name in ("amount", "currency")):
        raise ValidationError(f"money's amount and currency are strings, not {data!r}")
    return Money.of(data["amount"], data["currency"])


def money_json(value: Money) -> Json:
    return {"amount": str(value.amount), "currency": value.currency}


class Api:
    """The routes, as plain functions of the request body; one lock serializes commands."""

    def __init__(self, app: MemoryApp) -> None:
        self.app = app
        self.lock = threading.Lock()

    def route(self, method: str, path: str) -> tuple[Callable[[Json], Json], list[str]]:
        parts = [p for p in urlsplit(path).path.split("/") if p]
        table: dict[tuple[str, str], Callable[..., Json]] = {
            ("POST", "customers"): self.register,
            ("POST", "carts"): self.add_item,
            ("GET", "quote"): self.quote,
            ("POST", "orders"): self.place,
            ("POST", "payments"): self.pay,
            ("POST", "notifications"): self.notify,
            ("GET", "orders"): self.order,
            ("GET", "customers"): self.customer_view,
        }
        handler = table.get((method, parts[0] if parts else ""))
        if handler is None:
            raise NotFound(f"no route {method} {path}")
        return handler, parts[1:]

    def register(self, body: Json) -> Json:
        name, phone = text(body, "name"), text(body, "phone")
        cid = self.app.handle(customers.RegisterCustomer(CustomerId(text(body, "id")), name, phone))
        address = Address(name, phone, text(body, "region"), text(body, "address"))
        self.app.handle(customers.AddAddress(cid, "home", address, default=True))
        return {"customer": cid}

    def add_item(self, body: Json, customer: str, _items: str = "items") -> Json:
        self.app.handle(
            checkout.AddToCart(
                CustomerId(customer), SkuId(text(body, "sku")), whole(body, "quantity")
            )
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
            orders.PlaceOrder(CustomerId(text(body, "customer")), expected_payable=expected),
            idempotency_key=key,
        )
        return {"parent_id": placed.parent_id, "order_ids": list(placed.order_ids)}

    def pay(self, body: Json, *, key: str | None = None) -> Json:
        command = payments.PayOrder(OrderId(text(body, "parent_id")), text(body, "channel"))
        outcome = self.app.handle(command, idempotency_key=key)
        return {
            "payment_id": outcome.payment_id,
            "status": outcome.status.value,
            "reason": outcome.reason,
        }

    def notify(self, body: Json, channel: str) -> Json:
        note = PaymentNotification(
            channel=channel,
            event_id=text(body, "event_id"),
            payment_id=PaymentId(text(body, "payment_id")),
            operation=choice(GatewayOperation, text(body, "operation")),
            status=choice(GatewayStatus, text(body, "status")),
            amount=money(body.get("amount")),
            reference=text(body, "reference"),
            refund_id=optional_text(body, "refund_id"),
            reason=optional_text(body, "reason"),
        )
        outcome = self.app.handle(payments.HandlePaymentNotification(note))
        return {"payment_id": outcome.payment_id, "status": outcome.status.value}

    def order(self, body: Json, order_id: str) -> Json:
        with self.app.unit_of_work() as uow:
            parent = uow.repo(orders.ParentOrder).find(order_id)
            if parent is not None:
                return {
                    "parent_id": parent.id,
                    "status": parent.status.value,
                    "order_ids": list(parent.order_ids),
                    "payable": money_json(parent.payable),
                }
            order = uow.repo(orders.Order).get(order_id)
            return {
                "order_id": order.id,
                "parent_id": order.parent_id,
                "status": order.status.value,
                "seller": order.seller,
                "lines": [{"sku": line.sku, "quantity": line.quantity} for line in order.lines],
            }

    def customer_view(self, body: Json, customer: str, what: str = "orders") -> Json:
        if what == "points":
            return self.customer_points(body, customer)
        if what != "orders":
            raise NotFound(f"no route GET /customers/{customer}/{what}")
        return self.customer_orders(body, customer)

    def customer_points(self, body: Json, customer: str) -> Json:
        cid = CustomerId(customer)
        page = self.app.points_entries(cid, whole(body, "page") if "page" in body else 0)
        return {
            "balance": self.app.points_balance(cid),
            "page": page.page,
            "next_page": page.next_page,
            "entries": [
                {
                    "seq": entry.seq,
                    "key": entry.key,
                    "kind": entry.kind.value,
                    "points": entry.points,
                    "ref": entry.ref,
                    "cause": entry.cause,
                    "at": entry.at.isoformat(),
                }
                for entry in page.entries
            ],
        }

    def customer_orders(self, body: Json, customer: str) -> Json:
        with self.app.unit_of_work() as uow:
            page = orders.customer_orders(
                uow,
                CustomerId(customer),
                self.app.queries.orders,
                before=OrderId(body["before"]) if "before" in body else None,
                limit=whole(body, "limit") if "limit" in body else 20,
            )
        return {
            "orders": [
                {"parent_id": p.id, "status": p.status.value, "payable": money_json(p.payable)}
                for p in page
            ]
        }

    def call(
        self, method: str, path: str, body: Any, idempotency_key: str | None = None
    ) -> tuple[int, Json]:
        """Answer a request; an ``Idempotency-Key`` header reaches placing and paying, so a
        client whose response was lost sends the request again and gets the same answer."""
        try:
            if not isinstance(body, dict):
                raise ValidationError(f"the body is a JSON object, not {type(body).__name__}")
            handler, args = self.route(method, path)
            if method == "GET":  # a GET's parameters are its query string
                query = parse_qs(urlsplit(path).query)
                body = {k: int(v[-1]) if v[-1].isdigit() else v[-1] for k, v in query.items()}
            keyed = {"key": idempotency_key} if handler in (self.place, self.pay) else {}
            with self.lock:
                return HTTPStatus.OK, handler(body, *args, **keyed)
        except NotFound as error:
            return HTTPStatus.NOT_FOUND, _error(error)
        except ValidationError as error:
            return HTTPStatus.BAD_REQUEST, _error(error)
        except (OutcomeUnknown, ExternalUnavailable) as error:
            return HTTPStatus.SERVICE_UNAVAILABLE, _error(error)
        except MerxError as error:
            return HTTPStatus.CONFLICT, _error(error)


def optional_text(body: Json, name: str) -> str | None:
    return None if body.get(name) is None else text(body, name)


def choice(kind: type[E], value: str) -> E:
    """The member of the enum ``kind`` whose value is ``value``."""
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(str(member.value) for member in kind)
        raise ValidationError(f"{value!r} is not one of {names}") from None


def _error(error: Exception) -> Json:
    return {"error": type(error).__name__, "message": str(error)}


def make_server(api: Api, host: str = "127.0.0.1", port: int = 8765) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            status: int
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
            except (json.JSONDecodeError, UnicodeDecodeError) as error:
                bad = ValidationError(f"the body is not JSON: {error}")
                status, answer = HTTPStatus.BAD_REQUEST, _error(bad)
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="merx behind a JSON-over-HTTP API (in-memory, seeded with one phone SKU)."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to serve on")
    parser.add_argument("--port", type=int, default=8765, help="port to serve on (0: any)")
    options = parser.parse_args(argv)
    server = make_server(Api(seeded_app()), options.host, options.port)
    host, port = server.server_address[:2]
    print(f"merx host service on http://{host!s}:{port} (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        server.server_close()


if __name__ == "__main__":
    main()
