"""The words of yes/no answers, each with its grammatical role (the lexer's dictionary).

Roles, not meanings: a negator negates the next predicate, an intensifier never flips a polarity,
a hedge lowers the confidence, a time marker opens a clause about another time. Words of several
characters that are answers by themselves (没问题, 要得, 不好说) are listed whole so that the lexer
keeps them as one unit even when jieba cuts them apart.
"""

from __future__ import annotations

from enum import Enum
from types import MappingProxyType


class Kind(Enum):
    """The grammatical role of one unit of an answer."""

    NEG = "neg"  # 不 没 未 别: negates the next predicate
    NEG_HAVE = "neg_have"  # 没有 莫得 冇得: a negator, or "not have" when nothing follows
    POS = "pos"  # a predicate answered with: 是 对 有 要 领 享受 同意…
    ACQUIESCE = "acquiesce"  # 好 行 可以 成 中: a predicate whose 吧 is not a hedge (好吧, 行吧)
    ECHO = "echo"  # a content verb echoed from the question (住 用 去…): counts only when short
    YES = "yes"  # an answer by itself: 没问题 要得 ok 👍
    NO = "no"  # an answer by itself: 算了 免了 拉倒 no ×
    UNSURE = "unsure"  # 不知道 说不准 记不清 无所谓
    KNOW = "know"  # 知道 清楚 记得: unsure when negated
    REFUSE = "refuse"  # 保密 隐私 关你啥事 无可奉告
    HEDGE = "hedge"  # 应该 可能 好像 估计 大概…
    INTENS = "intens"  # 绝对 当然 肯定 根本 从来 都 也…: never flips; alone it is a yes
    ADV = "adv"  # 还 就 已经 在 一直…: skipped between a negator and its predicate
    DEGREE = "degree"  # 太 怎么 很: 不太需要 is a softer no
    PARTIAL = "partial"  # 一点 一些 点: 有一点 is a softer yes; 一点都没有 is an intensifier
    ASPECT = "aspect"  # 过 着 了
    PARTICLE = "particle"  # 的 啊 呢 嘛 嘞 哩…
    BA = "ba"  # 吧 at the end of a clause: a hedge (应该有吧) unless after 好/行 (好吧)
    BACKCHANNEL = "backchannel"  # 嗯 哦 昂: a yes alone, a filler before another clause
    FILLER = "filler"  # 那个 我说 其实…
    PRON = "pron"  # 我 我家 您 这个…
    OBJECT = "object"  # words of the questions: 低保 补贴 房子 工作…
    CONTRAST = "contrast"  # 但是 不过 可是: opens a clause of comment
    COND = "cond"  # 要是 如果: opens a hypothetical clause
    PAST = "past"  # 以前 原来 过去: opens a clause about the past
    NOW = "now"  # 现在 目前 后来: opens a clause about the present
    CONJ = "conj"  # 所以 因为 而且: opens a clause
    WH = "wh"  # 啥 什么 咋 为啥: a question unless followed by 都/也 (啥都没有)
    QWORD = "qword"  # 是不是 有没有 是否 你说呢
    QPART = "qpart"  # 吗 么 at the end
    ASK = "ask"  # 问 打听
    TELL = "tell"  # 说 告诉 透露 回答 填
    INFO = "info"  # 信息 情况 资料: the object of a refusal to tell
    REFUSE_VERB = "refuse_verb"  # 拒绝: a no, or a refusal to answer before a verb of telling
    PUNCT = "punct"
    QMARK = "qmark"
    OTHER = "other"


def _words(kind: Kind, text: str) -> dict[str, Kind]:
    return {w: kind for w in text.split()}


_TABLE: dict[str, Kind] = {}
for _kind, _text in (
    (Kind.NEG, "不 没 未 别 甭 莫 勿 非 休 并非 不曾 未曾 从未 从不 从没 没曾 嫑 不得 毋"),
    (Kind.NEG_HAVE, "没有 没得 莫得 冇 冇得 木有 无 么得 莫有 么有 米有 没的 没有的 冒得 没啥 没什么 没多少"),
    (Kind.POS, "是 对 有 要 能 会 想 同意 接受 认同 认可 确认 愿意 愿 需要 需 用 享受 领 办 参加 吃 拿 得到 收到 "
               "领到 拿到 办理 办过 参保 交 给 在领 正确 属实 符合 算 属于 够 满意 喜欢 签 报名 得过 享有 认 "
               "赞成 支持 答应 肯 打算 准备 申请 批 发 补 评 有过 是过 用得上 用得着 需求 参与 具备 拥有 存在 成立 听说 听说过 见过 安排 落实 到位"),
    (Kind.ACQUIESCE, "好 行 可以 成 中 好的 行的 可行 得行 能行 也行 也好 好吧"),
    (Kind.ECHO, "住 做 干 去 上 买 看 修 建 盖 装 配 戴 坐 种 养 做过 上过 去过 住过 用过 看过 弄 搞 来 当"),
    (Kind.YES, "敢情好 那敢情好 没错 没问题 没毛病 没麻达 没嘛达 没意见 没得说 没说的 不错 不假 可不是 可不 那可不 谁说不是 "
               "毫无疑问 对头 要得 好嘞 行嘞 中嘞 成嘞 妥 妥了 ok okay yes yeah yep yup y sure 就这样 就这么办 "
               "那还用说 还用说 当然了 必须的 必须 那是 那是当然 一点不假 千真万确 没跑 错不了 👍 👌 √ ✓ ✔ ✅ 🙆 ☑ "
               "对着呢 是着呢 有着呢 好着呢 嗯呐 嗯那 嗯哪 是嘞 对嘞 有嘞 是哩 有哩 对哩 中中 行行 好好 有嘞 可以的 "
               "认可 ok了 yes的"),
    (Kind.NO, "错 错了 算了 免了 拉倒 不必 没必要 用不着 犯不着 不了 罢了 甭了 别了 否 不得行 要不得 不中 不成 no nope n nah "
              "× ✗ ✘ ❌ 👎 🙅 不可能 没门 没门儿 休想 不至于 哪有 哪里有 哪儿有 没影的事 不咋地 否定 不需 嫑了 没必要了"),
    (Kind.UNSURE, "不知道 说不准 说不好 说不清 说不清楚 说不上 说不上来 讲不清 讲不清楚 讲不好 记不清 记不清楚 "
                  "记不得 记不住 记不起 记不起来 想不起 想不起来 搞不清 搞不清楚 搞不懂 弄不清 弄不清楚 弄不明白 闹不清 "
                  "整不明白 拿不准 吃不准 拿不定 看不准 摸不准 搞不准 弄不准 看不出来 说不来 讲不来 不好说 不好讲 难说 难讲 不一定 未必 不见得 说不定 没准 没准儿 "
                  "不确定 不肯定 忘了 忘记了 忘记 忘掉了 忘啦 没印象 没啥印象 没数 心里没数 没底 心里没底 无所谓 随便 "
                  "都行 都可以 看情况 谁知道 天知道 鬼知道 天晓得 谁晓得 不造 不知 不详 不明 没关系 两可 "
                  "不太清楚 不大清楚 闹不明白 不好确定 没法说 没法确定 吃不透 模糊 记不太清 说不来 不懂"),
    (Kind.KNOW, "知道 晓得 清楚 记得 了解 明白 确定 有数 有印象 认得 懂得 知晓"),
    (Kind.REFUSE, "保密 隐私 个人隐私 秘密 无可奉告 不便透露 关你啥事 关你什么事 关你屁事 关你嘛事 不关你事 不关你的事 "
                  "管得着 管不着 你管呢 你管不着 少管 别管 与你无关 跟你没关系 和你没关系 跟你无关 不告诉你 "
                  "不方便透露 不方便说 是隐私 不想说 不想讲 不愿说"),
    (Kind.HEDGE, "应该 应当 可能 好像 估计 大概 也许 或许 似乎 差不多 大约 印象中 觉得 感觉 貌似 怕是 兴许 恐怕 "
                 "八成 多半 大致 认为 我看 看样子 估摸 估摸着 仿佛 像是 我想 大体上 也可能 按说"),
    (Kind.INTENS, "绝对 当然 肯定 根本 从来 压根 压根儿 压根就 根本就 都 也 并 决 毫 一定 真 真的 确实 的确 实在 "
                  "完全 全 全都 一向 向来 始终 着实 本来 本来就 确定是 就是 硬是 真是 确确实实 实实在在 可是真 一次 "
                  "一回 一次也 从来就 打死也 死活 坚决 决不 老实说 说实话 当真 的的确确 一直都 绝"),
    (Kind.ADV, "还 就 已经 已 早就 早 再 又 倒 倒是 才 只 刚 刚刚 正在 在 正 一直 一直在 常 经常 每月 每个月 按月 "
               "按时 每年 年年 月月 照常 照样 目前还 暂时 暂 尚 还是 还在 依然 仍然 仍 总是 老是 多 更 再也 也就 和 跟 与 同 向"),
    (Kind.DEGREE, "太 怎么 很 大 咋 是很 特别 十分 非常 那么 这么 怎样 咋样"),
    (Kind.PARTIAL, "一点 一点儿 一些 点 点儿 些 一部分 部分 少许 稍微 一丁点 一丢丢 少量 些许"),
    (Kind.ASPECT, "过 着 了 过了 着呢 起来 上了 到"),
    (Kind.PARTICLE, "的 滴 啊 呀 呢 嘛 嘞 咧 哩 哦 噢 喔 哈 啦 呐 哇 撒 噻 嗷 捏 哒 咯 喽 呗 哎 耶 嘿 了的 的嘛 的呢 的啊 得很 的话"),
    (Kind.BA, "吧 罢"),
    (Kind.BACKCHANNEL, "嗯 嗯嗯 恩 恩恩 哦哦 噢噢 昂 嗯呢 唔 嗯啊"),
    (Kind.FILLER, "那个 这个嘛 我说 你说的 就是说 呃 额 嗯呃 哎呀 哎哟 唉 诶 欸 呵呵 哈哈 嘿嘿 然后 反正 其实 实话说 "
                  "讲真 谢谢 谢谢你 谢谢您 麻烦 好家伙 这么说吧 怎么说呢 同志 老师 领导 "
                  "大夫 姑娘 小伙子 娃 主任 书记 干部 师傅 大姐 大哥 大爷 大娘 那么 这样吧 你好 您好"),
    (Kind.PRON, "我 我们 俺 俺们 咱 咱们 咱家 我家 俺家 家里 我们家 家 你 您 你们 他 她 他们 她们 老伴 孩子 儿子 女儿 "
                "本人 自己 我自己 这 那 这个 那个 这样 那样 这样子 那样子 这种 那种 这些 那些 这边 我这 俺这 它 "
                "这样的 那样的 这回事 这事 这件事 咱这 我这儿 家里人 全家 一家 我老伴 我爸 我妈 我们这 这里 那里 "
                "一个 一样 个 啥的 之类 情况 这情况"),
    (Kind.OBJECT, "低保 补贴 房子 住房 工作 医保 养老保险 养老金 残疾证 残疾人证 康复 服务 培训 危房 改造 协会 委员 "
                  "专职委员 钱 补助 抚恤金 优待金 保险 社保 新农合 农保 合作医疗 低保户 五保 五保户 特困 辅具 辅助器具 "
                  "轮椅 拐杖 助听器 康复站 康复点 残协 无障碍 无障碍改造 危房改造 职业培训 技能培训 就业 工资 "
                  "两项补贴 生活补贴 护理补贴 证 本子 卡 存折 待遇 政策 名额 固定住房 住处 地方 活 活儿 营生 "
                  "这个钱 那个钱 一份 一个月 每个月的 固定 定期 按月发 福利 帮扶 救助 资助 扶贫 补偿 固定的 "
                  "军人 退伍军人 老兵 党员 残疾人 残疾 病 手续 申请书 表 材料 证件 人员 服务站 合同 车 车子 地 耕地"),
    (Kind.CONTRAST, "但是 但 可是 不过 只是 然而 而是 就是说 只不过 但就是 问题是"),
    (Kind.COND, "要是 如果 假如 假设 万一 若是 要是说 如若"),
    (Kind.PAST, "以前 之前 原来 原先 过去 从前 早先 早些年 那时候 那时 当时 年轻时候 年轻的时候 前几年 前些年 去年 "
                "前年 当年 以往 先前 小时候 原本 头几年 早年 一开始 开始 那会儿 那几年 上半年 往年 起初 最早 曾经 "
                "早几年 过去几年 以前的时候"),
    (Kind.NOW, "现在 目前 如今 眼下 当前 这会儿 这几年 今年 最近 后来 这两年 近来 近几年 这阵子 现如今 至今 到现在 "
               "眼目前 现下 这一向 如今个 现在的话 目下 截至目前 到目前 这一年 今年以来 后头 后边 后面"),
    (Kind.CONJ, "所以 因为 而且 并且 还有 另外 然后呢 因此 于是 就是因为 再说 况且 同时 以及 或者 还是说"),
    (Kind.WH, "啥 什么 咋 为啥 为什么 干啥 干嘛 干什么 做什么 做啥 哪 哪个 哪里 哪儿 多少 几 啥意思 什么意思 咋回事 "
              "怎么回事 啥事 什么事 怎么了 咋了 咋啦 啥用 有啥用 凭啥 凭什么 何 为何 怎么样 咋样 哪样 啥子 么子 莫子"),
    (Kind.QWORD, "是不是 有没有 是否 有无 对不对 要不要 行不行 好不好 能不能 会不会 可不可以 需不需要 愿不愿意 "
                 "同不同意 享不享受 知不知道 领没领 办没办 有木有 有没得 是么 你说呢 您说呢 你看呢 "
                 "您看呢 你觉得呢 您觉得呢 你们觉得呢 你们说呢 你们看呢 你认为呢 您认为呢 你猜 您猜 真的假的 是吗 有吗 对吗 好吗 行吗 可以吗 真的吗 不是吗 没有吗 "
                 "是没是 是不是的 要不 什么叫 啥叫 啥是 什么是"),
    (Kind.QPART, "吗 么 嘛吗 不成吗"),
    (Kind.ASK, "问 打听 查 调查 盘问 问问 追问 问这么多 问那么多 问这个 问这 问那个 问这些"),
    (Kind.TELL, "说 讲 告诉 透露 回答 答 提供 填 写 报 交代 谈 提 讲述 说明 公开 泄露 说出来 讲出来 透漏 讲给 说给 "
                "告知 聊 多说 多讲 填写 登记 上报 让你知道 让您知道 给你看 给您看 填表 细说"),
    (Kind.INFO, "信息 个人信息 资料 个人资料 情况 家里的事 家事 细节 号码 电话 名字 身份证 身份 收入 底细 具体 内容 "
                "具体情况 家庭情况 私事 隐私信息 数据 材料 事 事情 问题"),
    (Kind.REFUSE_VERB, "拒绝 拒不 拒"),
    # words of several characters that contain a polarity character but are no polarity (所有, 对面 are
    # already jieba words; these are the ones the lexer would otherwise split): kept whole as content
    (Kind.OTHER, "不过 不但 不仅 不管 不论 不然 不如 不少 不止 不久 不同 不断 不光 未来 无论 无关 不得不 有关 有些人 "
                 "有的人 有时 有时候 有点儿意思 没想到 不好意思 对不起 要求 要紧 对面 对象 是非 有效 有用 好处 好多 中间 "
                 "要是说 无非 无数 没事 没事儿 不用谢 可惜 可怜 好久 有空 对付 不舒服 无奈 不容易 "
                 "有人 要么 好些 行动 中心 对比 不够 不对劲 不行了 没意思 没办法 没法 不少钱 别人 别的 别处 别家"),
):
    for _w, _k in _words(_kind, _text).items():
        _TABLE.setdefault(_w, _k)

# "made a mistake" verbs: 记错了 / 说错 are a no (I was wrong); negated, 没记错 / 没有说错 / 不会记错 are a yes
# (I was right), like 没错 itself. Whole words, so that the lexer does not read 没 + 记 + 错 as a double no.
_ERR_VERBS = ("记", "说", "搞", "弄", "写", "填", "听", "看", "报", "算", "登记", "讲", "念", "打")
for _v in _ERR_VERBS:
    for _w in (f"{_v}错", f"{_v}错了"):
        _TABLE.setdefault(_w, Kind.NO)
    for _neg in ("没", "没有", "不会", "不可能", "没能", "绝对没"):
        _TABLE.setdefault(f"{_neg}{_v}错", Kind.YES)
for _w in ("没有错", "不会错", "不会有错", "没有错误", "没出错", "没错过", "没差错", "没有差错"):
    _TABLE.setdefault(_w, Kind.YES)


LEXICON: MappingProxyType[str, Kind] = MappingProxyType(_TABLE)
MAX_WORD = max(len(w) for w in LEXICON)

PUNCT_CHARS = frozenset("，,。.!！;；、…~:：\"“”'‘’()（）【】[]《》<>-—/|·")
QMARK_CHARS = frozenset("?？")

# 是 / 就是 carry a clause after them: 不是没有 reads as not(not have) = yes; 是没有 = no.
FRAMES = frozenset({"是", "就是", "确实是", "真是", "算是"})
# 有 + 一点/些 is a partial yes; 领/吃/享受 + 着/过 are verbs of the questions echoed.
HAVE = frozenset({"有", "有过"})
# Negators that, before a verb of telling, refuse to answer (没说 is "did not say", not a refusal).
REFUSE_NEGATORS = frozenset({"不", "别", "甭", "莫", "嫑", "勿", "不得", "毋"})
# Modal verbs between such a negator and the verb of telling: 不想说, 不方便透露, 不能讲.
REFUSE_MODALS = frozenset({"想", "愿意", "愿", "方便", "便", "能", "可以", "肯", "好", "敢", "打算", "要", "会", "用",
                           "必要", "太想", "大想", "想要", "准备", "需要"})
# Hedges that, alone, lean to yes (应该吧, 差不多); the others alone are unsure (可能吧, 大概吧).
LEANING_HEDGES = frozenset({"应该", "应当", "估计", "差不多", "八成", "多半", "大致", "按说", "估摸", "估摸着"})
# Intensifiers that are a yes by themselves (当然, 肯定的); 都/也/并 are not.
AFFIRMING = frozenset({"绝对", "当然", "肯定", "一定", "确实", "的确", "真的", "毫无疑问", "确确实实", "千真万确",
                       "实实在在", "的的确确", "确定是", "就是", "真是", "当真"})
# 都/也 after a question word make it universal: 啥都没有, 什么也不要.
UNIVERSAL = frozenset({"都", "也", "全", "全都", "一点", "都是"})
