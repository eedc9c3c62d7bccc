"""SMS gateways for fault tests, loaded by worker processes through SMS_BACKEND."""

import os
import time

from sms.backends.filebased import SmsBackend as FileSmsBackend


class HangingFileSmsBackend(FileSmsBackend):
    """Writes each SMS to a file like django-sms's file backend, but hangs (for
    FAULT_SMS_HANG_SECONDS) before sending to FAULT_SMS_HANG_PHONE: a worker holding such a
    task can be killed mid-send, before anything left."""

    def send_messages(self, messages):
        hang_phone = os.environ.get("FAULT_SMS_HANG_PHONE", "")
        for message in messages:
            if hang_phone and hang_phone in message.recipients:
                time.sleep(float(os.environ.get("FAULT_SMS_HANG_SECONDS", "60")))
        return super().send_messages(messages)


class FlakyFileSmsBackend(FileSmsBackend):
    """Writes each SMS to a file like django-sms's file backend, but the first SMS to
    FAULT_SMS_FLAKY_PHONE fails as an unreachable gateway does (a transient error); the next
    try goes through. A file beside the texts remembers the failure across processes."""

    def send_messages(self, messages):
        flaky_phone = os.environ.get("FAULT_SMS_FLAKY_PHONE", "")
        marker = os.path.join(os.environ["SMS_FILE_PATH"], f"failed-once-{flaky_phone}")
        for message in messages:
            if flaky_phone and flaky_phone in message.recipients and not os.path.exists(marker):
                os.makedirs(os.path.dirname(marker), exist_ok=True)
                open(marker, "w").close()  # noqa: SIM115 - an empty file, closed at once
                raise ConnectionError("the gateway did not answer")
        return super().send_messages(messages)
