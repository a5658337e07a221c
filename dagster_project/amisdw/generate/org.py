"""The organisation: COM (管理机构, levels 1-4) and the BRANCH tree (sales units, levels 5-7).

COM is static over the window. BRANCH units live in growable numpy arrays indexed by
an internal unit number; the external ``AgentGroup`` id (10 chars, ``B`` + 9 digits) is
assigned once and never reused. The tree evolves: promotions to B01 open teams, teams
move between departments of their region (UpAgentGroup and BranchAttr change, the id
stays), new 二元网点 outlets (regions with OutletType 1) open.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from amisdw.generate import config, names
from amisdw.generate.dates import NULL_DAY, add_months, day

REGION, DEPT, TEAM = 3, 2, 1
MAX_CHILDREN = 99  # BranchAttr gives every unit two digits under its parent


@dataclass
class Com:
    code: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    grade: list[str] = field(default_factory=list)
    up: list[str] = field(default_factory=list)
    found: list[int] = field(default_factory=list)

    def add(self, code: str, name: str, grade: str, up: str, found: int) -> int:
        self.code.append(code)
        self.name.append(name)
        self.grade.append(grade)
        self.up.append(up)
        self.found.append(found)
        return len(self.code) - 1

    def columns(self) -> dict[str, np.ndarray]:
        n = len(self.code)
        return {
            "ComCode": np.array(self.code),
            "Name": np.array(self.name),
            "ComGrade": np.array(self.grade),
            "UpComCode": np.array(self.up),
            "FoundDate": np.array(self.found, dtype=np.int64),
            "EndDate": np.full(n, NULL_DAY, dtype=np.int64),
        }


_UNIT_FIELDS: dict[str, str | type] = {
    "attr": "U14",
    "name": "U16",
    "level": np.int8,
    "parent": np.int32,
    "county": np.int32,  # index into Com
    "region": np.int32,  # the unit's region (itself for a region)
    "btype": np.int8,  # 1 or 4
    "outlet": np.int8,  # -1 (not a region), 0, 1
    "found": np.int32,
    "manager": np.int32,  # agent index, -1 none
    "children": np.int32,  # BranchAttr suffixes handed out so far
}


class Org:
    """COM list plus the BRANCH unit arrays (first ``n`` entries valid)."""

    def __init__(self, capacity: int = 1024) -> None:
        self.com = Com()
        self.county_codes: list[int] = []  # Com indices of the counties
        self.county_regions: dict[int, int] = {}  # county Com index -> regions handed out
        self.n = 0
        self._cap = capacity
        for name, dtype in _UNIT_FIELDS.items():
            setattr(self, name, np.zeros(capacity, dtype=dtype))

    # typed accessors (the arrays are created in __init__)
    attr: np.ndarray
    name: np.ndarray
    level: np.ndarray
    parent: np.ndarray
    county: np.ndarray
    region: np.ndarray
    btype: np.ndarray
    outlet: np.ndarray
    found: np.ndarray
    manager: np.ndarray
    children: np.ndarray

    def _grow(self) -> None:
        self._cap *= 2
        for name in _UNIT_FIELDS:
            old = getattr(self, name)
            new = np.zeros(self._cap, dtype=old.dtype)
            new[: self.n] = old[: self.n]
            setattr(self, name, new)

    def add_unit(
        self,
        *,
        level: int,
        parent: int,
        county: int,
        btype: int,
        outlet: int,
        found: int,
        name: str,
    ) -> int:
        if self.n == self._cap:
            self._grow()
        i = self.n
        self.n += 1
        if level == REGION:
            k = self.county_regions.get(county, 0) + 1
            self.county_regions[county] = k
            self.attr[i] = f"{self.com.code[county]}{k:02d}"
            self.region[i] = i
        else:
            self.children[parent] += 1
            self.attr[i] = f"{self.attr[parent]}{int(self.children[parent]):02d}"
            self.region[i] = self.region[parent]
        self.name[i] = name
        self.level[i] = level
        self.parent[i] = parent
        self.county[i] = county
        self.btype[i] = btype
        self.outlet[i] = outlet
        self.found[i] = found
        self.manager[i] = -1
        self.children[i] = 0
        return i

    def group_ids(self, units: np.ndarray | None = None) -> np.ndarray:
        idx = np.arange(self.n) if units is None else np.asarray(units, dtype=np.int64)
        if not len(idx):
            return np.zeros(0, dtype="U10")
        return np.strings.add("B", np.strings.zfill((idx + 1).astype(str), 9))

    def teams(self) -> np.ndarray:
        return np.flatnonzero(self.level[: self.n] == TEAM)

    def can_add_child(self, unit: int) -> bool:
        return int(self.children[unit]) < MAX_CHILDREN

    def add_team(self, dept: int, found: int, rng: np.random.Generator) -> int:
        word = names.TEAM_WORDS[int(rng.integers(len(names.TEAM_WORDS)))]
        return self.add_unit(
            level=TEAM,
            parent=dept,
            county=int(self.county[dept]),
            btype=int(self.btype[dept]),
            outlet=-1,
            found=found,
            name=f"{word}组",
        )

    def move_team(self, team: int, new_dept: int) -> None:
        self.children[new_dept] += 1
        self.parent[team] = new_dept
        self.attr[team] = f"{self.attr[new_dept]}{int(self.children[new_dept]):02d}"

    def open_outlet(self, county: int, found: int, rng: np.random.Generator) -> int:
        """A new 二元网点: region + one department + one team; returns the team."""
        place = names.synthetic_places(rng, 1, set())[0]
        region = self.add_unit(
            level=REGION,
            parent=-1,
            county=county,
            btype=1,
            outlet=1,
            found=found,
            name=f"{place}二元网点",
        )
        dept = self.add_unit(
            level=DEPT,
            parent=region,
            county=county,
            btype=1,
            outlet=-1,
            found=found,
            name="第一营业部",
        )
        return self.add_team(dept, found, rng)

    def columns(self, manager_codes: np.ndarray) -> dict[str, np.ndarray]:
        """BRANCH snapshot columns; ``manager_codes[i]`` is unit i's BranchManager or ''."""
        n = self.n
        parent = self.parent[:n]
        ids = self.group_ids()
        up = np.where(parent >= 0, ids[np.maximum(parent, 0)], "")
        outlet = self.outlet[:n]
        return {
            "AgentGroup": ids,
            "BranchAttr": self.attr[:n].copy(),
            "BranchName": self.name[:n].copy(),
            "BranchLevel": np.strings.zfill(self.level[:n].astype(str), 2),
            "UpAgentGroup": up,
            "ManageCom": np.array(self.com.code)[self.county[:n]],
            "BranchType": self.btype[:n].astype(str),
            "OutletType": np.where(outlet >= 0, outlet.astype(str), ""),
            "FoundDate": self.found[:n].astype(np.int64),
            "EndDate": np.full(n, NULL_DAY, dtype=np.int64),
            "BranchManager": manager_codes,
        }


def _between(rng: np.random.Generator, lo: int, hi: int) -> int:
    return int(rng.integers(lo, max(hi, lo + 1)))


def build(rng: np.random.Generator, profile: config.SizeProfile, start_day: int) -> Org:
    """The COM tree and the opening BRANCH tree of a size profile."""
    org = Org(capacity=max(1024, profile.agents // 4))
    county_weights = _add_com_tree(rng, org, profile, start_day)
    nteams = max(len(org.county_codes), round(profile.agents / profile.team_size))
    w = np.array(county_weights)
    per_county = rng.multinomial(nteams - len(w), w / w.sum()) + 1
    earliest_recent = int(add_months(np.array([start_day]), -12)[0])
    for cidx, k in zip(org.county_codes, per_county, strict=True):
        _add_county_branches(rng, org, profile, cidx, int(k), start_day, earliest_recent)
    return org


def _add_com_tree(
    rng: np.random.Generator, org: Org, profile: config.SizeProfile, start_day: int
) -> list[float]:
    """COM levels 1-4: head office, the profile's provinces, their cities and counties, all
    founded at least three years before the window; returns a size weight per county (in
    ``org.county_codes`` order)."""
    org.com.add("86", "总公司", "01", "", day(1996, 1, 1))
    start_year = int(np.datetime64(start_day, "D").astype("datetime64[Y]").astype(int)) + 1970
    last_year = start_year - 3  # every company is older than the window and its outlets
    county_weights: list[float] = []
    for p, (pcode, pname) in enumerate(names.PROVINCES[: profile.provinces]):
        county_weights += _add_province(rng, org, profile, p, pcode, pname, last_year)
    return county_weights


def _add_province(
    rng: np.random.Generator,
    org: Org,
    profile: config.SizeProfile,
    p: int,
    pcode: str,
    pname: str,
    last_year: int,
) -> list[float]:
    """A province's branch (02) and its cities (03): real city names first, then the
    capital or synthetic places; returns the weights of its counties."""
    com = org.com
    pcom = com.add(
        f"86{pcode}", f"{pname}分公司", "02", "86", day(min(1996 + p % 6, last_year), 3, 1)
    )
    taken: set[str] = set()
    ncity = _between(rng, profile.cities_per_province[0], profile.cities_per_province[1] + 1)
    real = names.REAL_CITIES.get(pcode, ())
    city_names = [c for c, _ in real[:ncity]]
    if len(city_names) < ncity:
        if not city_names:
            city_names.append(names.CAPITALS.get(pcode, pname))
            taken.add(city_names[0])
        city_names += names.synthetic_places(rng, ncity - len(city_names), taken)
    weights: list[float] = []
    for c, cname in enumerate(city_names):
        ccode = f"86{pcode}{c + 1:02d}"
        city = com.add(
            ccode,
            f"{cname}分公司",
            "03",
            com.code[pcom],
            day(min(_between(rng, 1998, 2008), last_year), _between(rng, 1, 13), 1),
        )
        real_counties = list(real[c][1]) if c < len(real) else []
        weights += _add_counties(rng, org, profile, city, c, real_counties, taken, last_year)
    return weights


def _add_counties(
    rng: np.random.Generator,
    org: Org,
    profile: config.SizeProfile,
    city: int,
    c: int,
    real_counties: list[str],
    taken: set[str],
    last_year: int,
) -> list[float]:
    """The counties (04) of the ``c``-th city: real names first, then synthetic places;
    returns their size weights (the capital city and each city's first county are larger)."""
    com = org.com
    ccode = com.code[city]
    nco = _between(rng, profile.counties_per_city[0], profile.counties_per_city[1] + 1)
    county_names = real_counties[:nco]
    if len(county_names) < nco:
        county_names += names.synthetic_places(rng, nco - len(county_names), taken)
    weights: list[float] = []
    for k, kname in enumerate(county_names):
        cidx = com.add(
            f"{ccode}{k + 1:02d}",
            f"{kname}支公司",
            "04",
            com.code[city],
            day(min(_between(rng, 2000, 2013), last_year), _between(rng, 1, 13), 1),
        )
        org.county_codes.append(cidx)
        weights.append(
            (1.8 if c == 0 else 1.0) * (1.5 if k == 0 else 1.0) * float(rng.lognormal(0.0, 0.3))
        )
    return weights


def _add_county_branches(
    rng: np.random.Generator,
    org: Org,
    profile: config.SizeProfile,
    cidx: int,
    nteams: int,
    start_day: int,
    earliest_recent: int,
) -> None:
    """A county's sales regions, each with departments of teams, until it has ``nteams``
    teams."""
    remaining = nteams
    r = 0
    while remaining > 0:
        r += 1
        region, btype, found = _add_region(rng, org, cidx, r, start_day, earliest_recent)
        ndept = _between(rng, profile.depts_per_region[0], profile.depts_per_region[1] + 1)
        for d in range(ndept):
            if remaining <= 0:
                break
            dept = org.add_unit(
                level=DEPT,
                parent=region,
                county=cidx,
                btype=btype,
                outlet=-1,
                found=found,
                name=f"第{names.cn_number(d + 1)}营业部",
            )
            nt = _between(rng, profile.teams_per_dept[0], profile.teams_per_dept[1] + 1)
            for _t in range(min(nt, remaining)):
                org.add_team(dept, _between(rng, found, start_day - 10), rng)
                remaining -= 1


def _add_region(
    rng: np.random.Generator, org: Org, cidx: int, r: int, start_day: int, earliest_recent: int
) -> tuple[int, int, int]:
    """The county's ``r``-th sales region: channel 4 (收展) or 1 (个险), and from the second
    on sometimes a 二元网点 outlet, some of them opened in the last year. Returns the unit,
    its BranchType and its founding day."""
    btype = 4 if rng.random() < config.CHANNEL_4_SHARE else 1
    outlet = 1 if btype == 1 and r > 1 and rng.random() < config.OUTLET_SHARE else 0
    if outlet and rng.random() < config.RECENT_OUTLET_SHARE:
        found = _between(rng, earliest_recent, start_day - 20)
    else:
        found = _between(rng, org.com.found[cidx], earliest_recent - 400)
    if outlet:
        rname = f"{names.synthetic_places(rng, 1, set())[0]}二元网点"
    elif btype == 4:
        rname = f"收展{names.cn_number(r)}区"
    else:
        rname = f"本部{names.cn_number(r)}区"
    region = org.add_unit(
        level=REGION,
        parent=-1,
        county=cidx,
        btype=btype,
        outlet=outlet,
        found=found,
        name=rname,
    )
    return region, btype, found
