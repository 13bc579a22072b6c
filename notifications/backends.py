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

        Return a :class:`Handover` that sends the mark and checks the reply (call it
        for both). Anything this method raises happened before the handover: the
        server has not accepted the message.
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
        return Handover(connection)


class Handover:
    """The last step of one message: the end-of-data mark, then the server's reply.

    The two halves are separate so the caller can put its database COMMIT right before
    :meth:`end_mark_send` without waiting for the server's reply in between.
    """

    def __init__(self, connection: smtplib.SMTP):
        self._connection = connection

    def end_mark_send(self) -> None:
        """Write the end-of-data mark: from here on the server will accept the message.

        One write into the socket: even if this process dies right after, the kernel
        still sends it (the socket's incoming buffer is empty after the 354 reply, so
        the connection closes with FIN, not RST).
        """
        self._connection.send(b"." + _CRLF)

    def confirm(self) -> None:
        """Read the server's reply to the end-of-data mark; raise unless it is 250."""
        code, response = self._connection.getreply()
        if code != 250:
            raise smtplib.SMTPDataError(code, response)

    def __call__(self) -> None:
        self.end_mark_send()
        self.confirm()
