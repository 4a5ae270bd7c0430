"""Phone confirmation (xác nhận số điện thoại): the one-time SMS code (codes.py) and its pages (views.py)."""
