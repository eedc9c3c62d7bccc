"""An SMS backend for the notice latency benchmark: records when each text leaves the worker.

Each message appends one line "<case number> <unix time>" to the file named by
BENCH_SMS_LOG (appends of one short line are atomic, so several worker processes can
share the file). Nothing is sent anywhere.
"""

import os
import re
import time

from sms.backends.base import BaseSmsBackend

CASE_NUMBER = re.compile(r"(?<![A-Za-z0-9])[A-Z]{1,4}\d{4}-\d{6}(?!\d)")


class SmsBackend(BaseSmsBackend):
    def send_messages(self, messages) -> int:
        sent_at = time.time()
        lines = []
        for message in messages:
            found = CASE_NUMBER.search(message.body or "")
            lines.append(f"{found.group(0) if found else '-'} {sent_at:.6f}\n")
        with open(os.environ["BENCH_SMS_LOG"], "a", encoding="utf-8") as log:
            log.write("".join(lines))
        return len(messages)
