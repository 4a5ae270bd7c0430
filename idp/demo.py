"""The provider's demo citizens. The first carries the national ID of motcua's demo password citizen
"congdan" (portal/demo.py), to show linking; the second has no motcua account yet, to show a new one."""

# The same demo password as motcua's demo accounts (portal/demo.py); the provider never imports motcua.
DEMO_PASSWORD = "motcua-demo-2026"

CITIZENS = [
    {"national_id": "079090001234", "full_name": "Nguyễn Văn An", "phone": "0912345678", "email": ""},
    {"national_id": "001195004321", "full_name": "Trần Thị Bình", "phone": "0987654321", "email": "binh@example.vn"},
]
