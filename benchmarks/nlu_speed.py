"""Speed of the nlu parsers on a mix of realistic intake answers (one core), written to results/nlu_speed.json.

Run: .venv/bin/python benchmarks/nlu_speed.py [--rounds N]
Start-up (imports, jieba dictionary, region tree, pinyin of the option sets) is measured separately and
paid once; then every answer goes through detect_intent and the parser of its question type, as the
engine does, and the time per answer is recorded.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
RESULTS = Path(__file__).resolve().parent / "results"

T0 = time.perf_counter()
from nlu.appeals import classify_appeal  # noqa: E402
from nlu.choice import Option, match_multi, match_single  # noqa: E402
from nlu.dates import parse_date  # noqa: E402
from nlu.disability import parse_disability  # noqa: E402
from nlu.ethnicity import parse_ethnicity  # noqa: E402
from nlu.idcard import parse_id_number  # noqa: E402
from nlu.intents import detect_intent  # noqa: E402
from nlu.numbers import normalize, parse_number, read_digits  # noqa: E402
from nlu.person import parse_gender, parse_name  # noqa: E402
from nlu.phone import parse_phone  # noqa: E402
from nlu.regions import RegionIndex  # noqa: E402
from nlu.tokenizer import Tokenizer  # noqa: E402
from nlu.yesno import parse_yes_no  # noqa: E402

IMPORT_S = time.perf_counter() - T0

NOW = datetime(2025, 7, 1, 9, 30)
TODAY = date(2025, 7, 1)
PLACEMENT = (
    Option("1", "安排工作", ("分配工作", "国家安排工作", "安置工作", "组织安排工作")),
    Option("2", "自主择业", ("军官自主择业", "自主择业军官")),
    Option("3", "自主就业", ("一次性补助", "拿了一次性补助", "一次性经济补助", "领了安置费")),
    Option("4", "自谋职业", ("自谋出路", "自己找工作")),
    Option("9", "其他", ("其它", "别的", "都不是")),
)
EMPLOYMENT = (
    Option("1", "行政事业单位", ("机关", "事业单位", "机关事业单位", "政府部门", "学校", "医院")),
    Option("2", "企业", ("公司", "工厂", "厂里", "国企", "私企", "民营企业")),
    Option("3", "公益性岗位", ("公益岗", "公益岗位")),
    Option("4", "个体", ("个体户", "做生意", "做买卖", "开店", "自己开店")),
    Option("5", "无业", ("没工作", "没有工作", "失业", "待业", "闲着")),
    Option("6", "下岗", ("下岗了", "下岗职工", "买断工龄")),
    Option("7", "离退休", ("退休", "离休", "退休了", "离休了")),
    Option("8", "务农", ("种地", "种田", "农民", "在家种地")),
)
INSURANCE = (
    Option("1", "基本医疗保险", ("医保", "职工医保", "城镇职工医保", "城镇医保", "居民医保", "城乡居民医保")),
    Option("2", "新型农村合作医疗", ("新农合", "合作医疗", "农村合作医疗")),
    Option("3", "职工养老保险", ("职工养老", "企业养老保险", "单位养老保险")),
    Option("4", "城镇居民养老保险", ("居民养老保险", "城居保", "城乡居民养老保险")),
    Option("5", "新型农村养老保险", ("新农保", "农村养老保险", "农保")),
    Option("0", "都没有", ("没有", "都没参加", "没参加", "一个也没有", "没交")),
)
TARGETS = {
    "birth_date": ("出生日期", "生日", "出生年月"),
    "ethnicity": ("民族", "哪个族"),
    "phone": ("联系电话", "电话", "手机号"),
    "placement": ("安置方式", "安置"),
    "employment": ("就业状态", "工作情况"),
    "social_insurance": ("社会保险", "社保", "保险"),
}


def _answers(regions: RegionIndex | None, tok: Tokenizer) -> list[tuple[str, Callable[[str], Any], str]]:
    """(type, parser, answer) triples: a realistic mix of what people type or say."""
    mix: dict[str, tuple[Callable[[str], Any], list[str]]] = {
        "number": (lambda t: parse_number(t, expected_unit="平方米"),
                   ["七十来平", "八十多平米", "一百二十平方米", "大概六十个平方", "120平", "三万五", "一百二", "两千零三"]),
        "digits": (read_digits, ["幺三九洞", "零九三一", "洞洞七", "幺三八 一二三四 五六七八"]),
        "normalize": (normalize, ["我是八五年当的兵，八九年退的", "家里三口人住七十来平", "两岸一些大陆一点点"]),
        "date": (lambda t: parse_date(t, NOW),
                 ["1965年3月12日", "六五年三月十二号", "85.3.12", "八五年三月", "85年", "2019/04/19",
                  "1999.08-2002.02", "去年", "三年前", "上个月15号", "九十年代", "一九八三 年 十 月",
                  "我是1965年3月12号出生的", "农历三月初五"]),
        "id_number": (lambda t: parse_id_number(t, TODAY),
                      ["11010519491231002X", "身份证幺幺零一零五一九四九一二三一零零二叉", "110105194912310021"]),
        "phone": (parse_phone, ["13912345678", "幺三九 一二三四 五六七八", "0931-8862345", "零九三幺八八六二三四五"]),
        "yes_no": (parse_yes_no, ["有", "没有", "应该没有吧", "不太清楚", "我不想说", "好像有", "以前有，现在没有了"]),
        "ethnicity": (parse_ethnicity, ["汉族", "回族", "我是回民", "东乡族", "汉"]),
        "name": (parse_name, ["我叫张三", "张三", "姓名是欧阳娜娜"]),
        "gender": (parse_gender, ["男", "女的", "女性"]),
        "single": (lambda t: match_single(t, PLACEMENT, tok),
                   ["自主择业", "自主则业", "拿了一次性补助", "国家给安排的工作", "不记得了"]),
        "single_employment": (lambda t: match_single(t, EMPLOYMENT, tok),
                              ["在家种地", "退休了", "公亿性岗位", "现在闲着没工作", "做点小生意"]),
        "multi": (lambda t: match_multi(t, INSURANCE, tok),
                  ["有医保和养老保险，低保没有", "医保和新农保", "都没有", "新农合有，养老保险没交"]),
        "disability": (parse_disability, ["视力二级", "是力残疾", "肢体1级"]),
        "appeal": (classify_appeal, ["希望能帮我找个工作", "房子漏雨想申请危房改造", "看病太贵了报销比例低"]),
    }
    if regions is not None:
        mix["region"] = (regions.resolve, ["东乡县东塬乡东塬村", "兰州市城关区", "临夏东乡五家乡马场村", "东塬村"])
    return [(kind, parse, text) for kind, (parse, texts) in mix.items() for text in texts]


def _load_regions() -> RegionIndex | None:
    """The Gansu tree from ../shared, if available."""
    path = SHARED / "data" / "regions" / "gansu.tsv"
    if not path.exists():
        return None
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        level, code, name, short, parent = (line.split("\t") + [""] * 5)[:5]
        rows.append((level, code or None, name, short or None, parent))
    return RegionIndex.from_rows(rows)


def _fresh() -> list[tuple[str, Callable[[str], Any], str]]:
    """Distinct answers rendered by the generators of benchmarks/cases (each parsed once: no cache helps)."""
    import importlib.util

    parsers: dict[str, Callable[[str], Any]] = {
        "numbers": parse_number, "dates": lambda text: parse_date(text, NOW), "yesno": parse_yes_no,
        "idcards": lambda text: parse_id_number(text, TODAY),
    }
    out: list[tuple[str, Callable[[str], Any], str]] = []
    for family, parse in parsers.items():
        path = Path(__file__).resolve().parent / "cases" / f"gen_{family}.py"
        spec = importlib.util.spec_from_file_location(f"gen_{family}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        seen: set[str] = set()
        for row in module.rows(7, 6000):  # another seed than the accuracy benchmark's
            if row["input"] not in seen:
                seen.add(row["input"])
                out.append((family, parse, row["input"]))
    out.sort(key=lambda a: hash(a[2]))  # families interleaved
    return out


def _fresh_pass(answers: list[tuple[str, Callable[[str], Any], str]]) -> dict[str, Any]:
    """Each distinct answer once, through detect_intent and its parser."""
    latencies: list[int] = []
    gc.disable()
    start = time.perf_counter()
    for _, parse, text in answers:
        t0 = time.perf_counter_ns()
        if detect_intent(text, TARGETS) is None:
            parse(text)
        latencies.append(time.perf_counter_ns() - t0)
    total = time.perf_counter() - start
    gc.enable()
    latencies.sort()
    return {
        "answers": len(latencies),
        "answers_per_second": round(len(latencies) / total),
        "p50_ms": round(latencies[len(latencies) // 2] / 1e6, 4),
        "p99_ms": round(latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] / 1e6, 4),
        "max_ms": round(latencies[-1] / 1e6, 4),
    }


def main() -> None:
    """Measure start-up once, then throughput and latency percentiles over many rounds."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})

    t = time.perf_counter()
    tok = Tokenizer([o.label for o in (*PLACEMENT, *EMPLOYMENT, *INSURANCE)])
    tok.load()
    tokenizer_s = time.perf_counter() - t
    t = time.perf_counter()
    regions = _load_regions()
    regions_s = time.perf_counter() - t
    answers = _answers(regions, tok)
    t = time.perf_counter()
    for _, parse, text in answers:  # warm-up: option-set pinyin and per-character caches
        detect_intent(text, TARGETS)
        parse(text)
    warmup_s = time.perf_counter() - t

    per_kind: dict[str, list[int]] = {}
    latencies: list[int] = []
    gc.disable()
    start = time.perf_counter()
    for _ in range(args.rounds):
        for kind, parse, text in answers:
            t0 = time.perf_counter_ns()
            if detect_intent(text, TARGETS) is None:
                parse(text)
            dt = time.perf_counter_ns() - t0
            latencies.append(dt)
            per_kind.setdefault(kind, []).append(dt)
    total = time.perf_counter() - start
    gc.enable()

    latencies.sort()

    def pct(values: list[int], p: float) -> float:
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))] / 1e6

    result: dict[str, Any] = {
        "answers": len(latencies),
        "distinct_answers": len(answers),
        "answers_per_second": round(len(latencies) / total),
        "mean_ms": round(statistics.fmean(latencies) / 1e6, 4),
        "p50_ms": round(pct(latencies, 0.50), 4),
        "p99_ms": round(pct(latencies, 0.99), 4),
        "max_ms": round(latencies[-1] / 1e6, 4),
        "startup_s": {
            "imports": round(IMPORT_S, 3),
            "tokenizer": round(tokenizer_s, 3),
            "regions": round(regions_s, 3),
            "warmup": round(warmup_s, 3),
        },
        "per_type_p99_ms": {k: round(pct(v, 0.99), 4) for k, v in per_kind.items()},
        "per_type_mean_ms": {k: round(statistics.fmean(v) / 1e6, 4) for k, v in per_kind.items()},
        "targets": {"answers_per_second": 5000, "p99_ms": 5.0},
        "python": platform.python_version(),
        "machine": platform.machine(),
    }
    fresh = _fresh_pass(_fresh())
    result["fresh_answers"] = fresh  # distinct generated answers of four families, each once
    result["meets_targets"] = (result["answers_per_second"] >= 5000 and result["p99_ms"] < 5.0
                               and fresh["answers_per_second"] >= 5000 and fresh["p99_ms"] < 5.0)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "nlu_speed.json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
