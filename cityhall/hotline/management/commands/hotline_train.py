"""Train the ticket classifier and make it the active one; print how it did on held-out tickets."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from cityhall.core.errors import DomainError
from cityhall.hotline import demo_corpus
from cityhall.hotline.training import (
    MIN_SAMPLES,
    classifier_train,
    live_accuracy,
    training_samples,
)


class Command(BaseCommand):
    help = (
        "Train the hotline classifier on finished tickets (or, with --synthetic N, on N "
        "synthetic texts for a city without history) and activate it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--synthetic", type=int, metavar="N", help="train on N synthetic demo texts instead"
        )
        parser.add_argument("--seed", type=int, default=0, help="corpus and split seed")
        parser.add_argument(
            "--holdout", type=float, default=0.2, help="share held out for measuring (0.2)"
        )
        parser.add_argument("--limit", type=int, help="use at most this many newest tickets")

    def handle(self, *args: Any, **options: Any) -> None:
        holdout = options["holdout"]
        if not 0.05 <= holdout <= 0.5:
            raise CommandError(_("留出比例应在 0.05 到 0.5 之间"))
        if options["synthetic"] is not None:
            samples = demo_corpus.corpus(options["synthetic"], seed=options["seed"])
            source = _("合成样本")
        else:
            samples = training_samples(limit=options["limit"])
            source = _("已办结工单")
        if len(samples) < MIN_SAMPLES:
            raise CommandError(
                _("样本不足：%(source)s只有 %(n)d 条，至少需要 %(min)d 条，未训练新模型。")
                % {"source": source, "n": len(samples), "min": MIN_SAMPLES}
            )
        self.stdout.write(
            _("正在训练（%(source)s %(n)d 条）…") % {"source": source, "n": len(samples)}
        )
        try:
            model = classifier_train(samples=samples, holdout=holdout, seed=options["seed"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        lines = [
            _("模型 #%(id)d 已启用") % {"id": model.pk},
            _("样本数：%(n)d（留出 %(share)d%% 用于评估）")
            % {"n": model.samples, "share": round(holdout * 100)},
            _("分类准确率（留出集）：%(v).1f%%") % {"v": model.accuracy * 100},
            _("前三命中率（留出集）：%(v).1f%%") % {"v": model.top3_accuracy * 100},
            _("类型准确率（留出集）：%(v).1f%%") % {"v": model.type_accuracy * 100},
            _("关键词基线准确率（同一留出集）：%(v).1f%%") % {"v": model.baseline_accuracy * 100},
        ]
        live = live_accuracy(days=30)
        if live is not None:
            lines.append(_("近 30 天线上建议命中率（上一模型）：%(v).1f%%") % {"v": live * 100})
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS(_("训练完成")))
