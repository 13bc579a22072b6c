"""An SMTP email backend that can stop just before the end of a message's data.

Django's SMTP backend sends a message in one call. The notification delivery
(notifications.services) needs two steps: transfer everything except the final
``<CRLF>.<CRLF>`` that tells the server to accept the message, record in the database
that the message is being handed over, and only then send the end-of-data mark.

Until the end-of-data mark arrives, an SMTP server must not deliver the message
(RFC 5321, section 4.1.1.4): if the worker dies before it, nothing was sent and the
database still says "pending". Outside this two-step use the backend behaves exactly
like Django's, so it can be the project's EMAIL_BACKEND for every email.
"""

import re
import smtplib

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend
from django.core.mail.message import EmailMessage, sanitize_address

_LINE_START_DOT = re.compile(rb"(?m)^\.")
_CRLF = b"\r\n"


class HandoverSMTPBackend(EmailBackend):
    """Django's SMTP backend plus :meth:`send_until_handover` for two-step delivery."""

    supports_handover = True

    def send_until_handover(self, email_message: EmailMessage):
        """Send the envelope and all message data except the end-of-data mark.

        Return a function that sends the mark and raises unless the server accepts
        the message with 250. Anything this method raises happened before the
        handover: the server has not accepted the message.
        """
        self.open()
        connection = self.connection
        encoding = email_message.encoding or settings.DEFAULT_CHARSET
        from_address = sanitize_address(email_message.from_email, encoding)
        recipients = [sanitize_address(a, encoding) for a in email_message.recipients()]
        data = email_message.message().as_bytes(linesep="\r\n")

        connection.ehlo_or_helo_if_needed()
        options = [f"size={len(data)}"] if connection.has_extn("size") else []
        code, response = connection.mail(from_address, options)
        if code != 250:
            raise smtplib.SMTPSenderRefused(code, response, from_address)
        refused = {}
        for recipient in recipients:
            code, response = connection.rcpt(recipient)
            if code not in (250, 251):
                refused[recipient] = (code, response)
        if len(refused) == len(recipients):
            raise smtplib.SMTPRecipientsRefused(refused)
        connection.putcmd("data")
        code, response = connection.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, response)
        quoted = _LINE_START_DOT.sub(b"..", data)
        if not quoted.endswith(_CRLF):
            quoted += _CRLF
        connection.send(quoted)

        def finish() -> None:
            connection.send(b"." + _CRLF)
            code, response = connection.getreply()
            if code != 250:
                raise smtplib.SMTPDataError(code, response)

        return finish
