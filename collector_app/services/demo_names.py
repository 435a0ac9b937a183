"""Word lists for demo data: Vietnamese surnames with their frequencies, middle and given names by sex,
mobile prefixes and address parts. Data only; `demo.py` draws from it.
"""

from __future__ import annotations

# Share of the population in per cent, as commonly cited (e.g. Wikipedia "Vietnamese name", from
# Lê Trung Hoa's survey): Nguyễn ~38 %, Trần ~11 %, Lê ~9.5 %, Phạm ~7 %, ... Hoàng/Huỳnh and Vũ/Võ
# are northern/southern spellings of one name; the rest share the remaining few per cent.
SURNAMES: tuple[tuple[str, float], ...] = (
    ("Nguyễn", 38.4),
    ("Trần", 11.0),
    ("Lê", 9.5),
    ("Phạm", 7.1),
    ("Hoàng", 3.2),
    ("Huỳnh", 1.9),
    ("Phan", 4.5),
    ("Vũ", 2.2),
    ("Võ", 1.7),
    ("Đặng", 2.1),
    ("Bùi", 2.0),
    ("Đỗ", 1.4),
    ("Hồ", 1.3),
    ("Ngô", 1.3),
    ("Dương", 1.0),
    ("Lý", 0.5),
    ("Đinh", 0.7),
    ("Trương", 0.7),
    ("Đào", 0.6),
    ("Mai", 0.5),
    ("Cao", 0.5),
    ("Lương", 0.4),
    ("Trịnh", 0.4),
    ("Lưu", 0.3),
    ("Tạ", 0.3),
    ("Hà", 0.3),
    ("Lâm", 0.3),
    ("Chu", 0.2),
    ("Tô", 0.2),
    ("Vương", 0.2),
    ("Quách", 0.1),
    ("Triệu", 0.1),
)

# Middle names (tên đệm): Văn and Thị dominate in older generations, less so among the young.
MIDDLE_MALE_OLDER: tuple[tuple[str, float], ...] = (
    ("Văn", 55), ("Đức", 8), ("Hữu", 8), ("Quang", 6), ("Minh", 5), ("Xuân", 5), ("Ngọc", 3),
    ("Công", 4), ("Thanh", 3), ("Đình", 3),
)
MIDDLE_MALE_YOUNGER: tuple[tuple[str, float], ...] = (
    ("Văn", 18), ("Minh", 14), ("Đức", 10), ("Gia", 9), ("Quang", 8), ("Hoàng", 7), ("Anh", 6),
    ("Hữu", 6), ("Thành", 6), ("Quốc", 6), ("Tuấn", 4), ("Nhật", 6),
)
MIDDLE_FEMALE_OLDER: tuple[tuple[str, float], ...] = (
    ("Thị", 70), ("Ngọc", 6), ("Thu", 5), ("Thanh", 5), ("Hồng", 4), ("Kim", 4), ("Minh", 3), ("Xuân", 3),
)
MIDDLE_FEMALE_YOUNGER: tuple[tuple[str, float], ...] = (
    ("Thị", 25), ("Ngọc", 12), ("Thu", 8), ("Thanh", 8), ("Minh", 8), ("Phương", 7), ("Bảo", 7),
    ("Khánh", 7), ("Hà", 6), ("Diệu", 5), ("Mai", 7),
)

GIVEN_MALE: tuple[str, ...] = (
    "An", "Anh", "Bảo", "Bình", "Cường", "Chiến", "Dũng", "Duy", "Đạt", "Định", "Đức", "Giang", "Hải",
    "Hiếu", "Hiệp", "Hòa", "Hoàng", "Hùng", "Huy", "Hưng", "Khang", "Khánh", "Khoa", "Kiên", "Lâm",
    "Long", "Lộc", "Mạnh", "Minh", "Nam", "Nghĩa", "Phong", "Phúc", "Quân", "Quang", "Sơn", "Tài",
    "Thắng", "Thành", "Thịnh", "Toàn", "Trung", "Tuấn", "Tùng", "Việt", "Vinh", "Vũ",
)
GIVEN_FEMALE: tuple[str, ...] = (
    "An", "Anh", "Bích", "Chi", "Dung", "Duyên", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa", "Huyền",
    "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Ngọc", "Nhung", "Oanh",
    "Phương", "Quỳnh", "Tâm", "Thảo", "Thơm", "Thu", "Thúy", "Trang", "Trâm", "Tuyết", "Uyên", "Vân",
    "Vy", "Xuân", "Yến",
)

# Mobile prefixes of the three large networks (Viettel, VinaPhone, MobiFone), after the 2018 move
# from 11 to 10 digits.
MOBILE_PREFIXES: tuple[str, ...] = (
    "086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
    "088", "091", "094", "081", "082", "083", "084", "085",
    "089", "090", "093", "070", "076", "077", "078", "079",
)

STREETS: tuple[str, ...] = (
    "Trần Phú", "Lê Lợi", "Nguyễn Trãi", "Quang Trung", "Hai Bà Trưng", "Lý Thường Kiệt", "Phan Đình Phùng",
    "Nguyễn Du", "Hùng Vương", "Điện Biên Phủ", "Lê Duẩn", "Nguyễn Văn Cừ", "Trường Chinh",
)
# Northern and central villages are thôn or xóm; in the Mekong delta the hamlet is an ấp.
VILLAGES_NORTH: tuple[str, ...] = (
    "thôn Đông", "thôn Đoài", "thôn Thượng", "thôn Hạ", "thôn Trung", "thôn Bắc", "xóm 1", "xóm 2", "xóm 3",
    "xóm 5", "xóm 7", "thôn Yên Lạc", "thôn Phú Mỹ",
)
VILLAGES_SOUTH: tuple[str, ...] = (
    "ấp Tân Lợi", "ấp Bình Hòa", "ấp Mỹ Thuận", "ấp Phú Long", "ấp An Thạnh", "ấp 1", "ấp 2", "ấp 3",
    "ấp Long Hưng", "ấp Tân Phú",
)
