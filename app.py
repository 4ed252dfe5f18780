"""Laurel: the Chalice app. Registers the blueprints, the security headers and the queue worker."""

from chalice import Chalice

from chalicelib import logs
from chalicelib.config import get_settings
from chalicelib.routes import (
    addresses,
    api,
    assets,
    backpack,
    credentials,
    earners,
    home,
    imports,
    oidc,
    outbox,
    passkeys,
    public,
    sharing,
    sign_in_settings,
    signup,
    verify,
    workers,
)
from chalicelib.web import headers, http

logs.install()
app = Chalice(app_name="laurel")
app.api.binary_types.extend(["image/png", "multipart/form-data", "application/octet-stream"])
app.register_blueprint(api.blueprint, url_prefix="/api/v1")
app.register_blueprint(public.blueprint)
app.register_blueprint(outbox.blueprint)
app.register_blueprint(credentials.blueprint)
app.register_blueprint(verify.blueprint)
app.register_blueprint(earners.blueprint)
app.register_blueprint(signup.blueprint)
app.register_blueprint(oidc.blueprint)
app.register_blueprint(passkeys.blueprint)
app.register_blueprint(sign_in_settings.blueprint)
app.register_blueprint(backpack.blueprint)
app.register_blueprint(sharing.blueprint)
app.register_blueprint(addresses.blueprint)
app.register_blueprint(imports.blueprint)
app.register_blueprint(assets.blueprint)
app.register_blueprint(home.blueprint)


@app.middleware("http")
def security_headers(event, get_response):
    http.accept_any_when_unsaid(event)
    response = get_response(event)
    headers.secure(event.path, response.headers, https=get_settings().public_base_url.startswith("https://"))
    return response


mail_worker = app.on_sqs_message(queue=get_settings().mail_queue, batch_size=1)(workers.mail_worker)
