"""How uploaded files (citizens' documents, officers' e-results) leave the portal: never as
active content of the portal's origin. A file a citizen sent could be a PDF with JavaScript or
an HTML page in disguise; served inline from our origin it would run with the officer's session.
So every file is an attachment (the browser saves it, it does not render it in a page of ours),
except JPEG and PNG images, shown inline for the previews; each answer says "nosniff" and carries
a Content-Security-Policy that sandboxes it and lets it load nothing."""

import mimetypes

from django.http import FileResponse

# Shown inline (the <img> previews); anything else is downloaded.
INLINE_TYPES = {"image/jpeg", "image/png"}
# For the file itself: no script, no plug-in, no request anywhere, a sandbox with a unique origin.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


def file_response(fieldfile, filename, content_type=None, download=False):
    """A FileResponse for an uploaded file: inline only for a safe image type, else an attachment."""
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    inline = content_type in INLINE_TYPES and not download
    response = FileResponse(
        fieldfile.open("rb"), content_type=content_type, as_attachment=not inline, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    return response
