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
