"""The JSON parser of every API view: DRF's, plus the two bodies it lets through as
server errors. Nesting deeper than Python's recursion limit raises RecursionError, not
the ValueError DRF turns into a 400; and a JSON escape of half a UTF-16 pair ("\\ud800")
decodes to a string that no database, template or hash can encode."""

import json

from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        except RecursionError:
            raise ParseError(_("JSON parse error - the body is nested too deeply.")) from None
        except UnicodeEncodeError:
            raise ParseError(_("JSON parse error - the body contains a lone surrogate, which is not text.")) from None
        return data
