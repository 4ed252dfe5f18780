"""Laurel: the Chalice app. Creates `app`, registers the blueprints and the queue worker. Nothing else."""

from chalice import Chalice

from chalicelib.config import get_settings
from chalicelib.routes import api, credentials, earners, outbox, public, verify, workers

app = Chalice(app_name="laurel")
app.api.binary_types.extend(["image/png", "multipart/form-data", "application/octet-stream"])
app.register_blueprint(api.blueprint, url_prefix="/api/v1")
app.register_blueprint(public.blueprint)
app.register_blueprint(outbox.blueprint)
app.register_blueprint(credentials.blueprint)
app.register_blueprint(verify.blueprint)
app.register_blueprint(earners.blueprint)

mail_worker = app.on_sqs_message(queue=get_settings().mail_queue, batch_size=1)(workers.mail_worker)
