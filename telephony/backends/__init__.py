"""The privacy-number gateways (CALL_BACKEND): local (the embedded default), aliyun, tencent."""

# Seconds, as the SMS gateways: a request that hangs must not hold a page for long.
CONNECT_TIMEOUT = 5
READ_TIMEOUT = 10
