"""Runs once each time the schedule in slipway.yaml fires, then exits. A non-zero exit status
marks the run as failed."""

import datetime
import os
import sys


def main() -> int:
    now = datetime.datetime.now(datetime.timezone.utc)
    greeting = os.environ.get("GREETING", "Hello from Slipway")
    year_end = datetime.datetime(now.year + 1, 1, 1, tzinfo=datetime.timezone.utc)
    days_left = (year_end - now).days
    print(f"{now.isoformat(timespec='seconds')} {greeting}: {days_left} days left in {now.year}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
