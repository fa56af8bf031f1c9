"""Scoring benchmark: the daily churn scoring in Spark beside plain scikit-learn, same model, same run.

    .venv/bin/python benchmarks/bench_score.py [--subscribers 1000000] [--partitions N]
                                              [--threads-per-task 1] [--seed 20261124]

Synthesises the churn model's features in Spark (``spark.range`` and seeded ``rand``/``randn``
shaped like the mart's: fees of 0-300 yuan, shares of 0-1 with nulls, the real city, package
generation and contract levels) with a label drawn from a logistic function of a few of them,
and caches them in memory (``--partitions`` partitions, default the session's default
parallelism) so that neither the generation nor any file read is timed. Trains the churn
classifier (``build_classifier`` with ``models/churn.yaml``'s parameters and seed) on a
50,000-row sample collected to pandas, then times:
  1. Spark: ``score_frame`` (the model broadcast and applied per Arrow batch with ``mapInArrow``,
     as the daily task does) and a Parquet write of every score to a temporary folder;
  2. pandas: ``predict_proba`` on the same features, collected once with ``toPandas`` (the
     collection is reported, not timed), in one call and in chunks of Spark's Arrow batch size
     (the booster predicts tree by tree over all rows it is given, so a million rows at once
     leave the CPU caches: the chunked call is the faster single-process reference).
Prints seconds and rows/s for both, the training and collection times, the Spark settings used,
the largest difference between the two paths' scores (should be ~0: the same model on the same
features) and peak memory (this process, the Spark JVM, the largest Python worker).
Everything is written under a temporary data root, removed at the end.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import tempfile
import time
from pathlib import Path

from peak_memory import peak_rss_mb

TRAINING_ROWS = 50_000


def _synthetic_features(spark, rows: int, partitions: int, seed: int):
    """``subscriber_id``, every feature of the churn config and ``churned``, deterministic given ``seed``."""
    from pyspark.sql import functions as F

    from telco_mart.synthetic.generate.codes import contract_codes
    from telco_mart.synthetic.generate.vocabulary import CITY_NAMES

    cities, generations = tuple(CITY_NAMES), contract_codes("network_generation")
    genders, contract_kinds = contract_codes("gender"), contract_codes("contract_kind")
    draws = iter(range(seed, seed + 1000))

    def uniform():
        return F.rand(next(draws))

    def normal():
        return F.randn(next(draws))

    def nullable(value, share: float):
        """``value`` with about ``share`` of the rows null."""
        return F.when(uniform() >= share, value)

    def pick(levels: tuple[str, ...], weights: tuple[float, ...]):
        """One of ``levels`` with the given probabilities (cumulative thresholds on one draw)."""
        draw, bound, expression = uniform(), 0.0, None
        for level, weight in zip(levels, weights, strict=True):
            bound += weight
            expression = F.when(draw < bound, level) if expression is None else expression.when(draw < bound, level)
        return expression.otherwise(levels[-1])

    def clip(value, low: float, high: float):
        return F.least(F.greatest(value, F.lit(low)), F.lit(high))

    frame = spark.range(0, rows, 1, numPartitions=partitions).select(
        F.format_string("S%010d", F.col("id")).alias("subscriber_id"),
        F.round(clip(F.exp(F.lit(3.8) + 0.6 * normal()), 0.0, 300.0), 2).alias("fee_m0"),
        (F.floor(uniform() * 240)).cast("double").alias("tenure_months"),
        pick(generations, (0.05, 0.10, 0.55, 0.30)).alias("package_generation"),
        pick(("local", "national"), (0.7, 0.3)).alias("package_scope"),
        F.element_at(F.array(*[F.lit(c) for c in cities]), (F.floor(uniform() * len(cities)) + 1).cast("int")).alias(
            "city"
        ),
        nullable(pick(genders, (0.52, 0.48)), 0.01).alias("gender"),
        nullable(pick(contract_kinds, (0.4, 0.3, 0.3)), 0.6).alias("contract_kind_m0"),
        nullable(F.pow(uniform(), 4), 0.10).alias("forwarded_share_m0"),
        F.round(clip(F.exp(F.lit(5.0) + normal()), 0.0, 3000.0)).alias("voice_minutes_m0"),
        F.round(clip(F.exp(F.lit(8.0) + 1.2 * normal()), 0.0, 100_000.0), 1).alias("data_mb_m0"),
        uniform().alias("_u1"),
        uniform().alias("_u2"),
        uniform().alias("_u3"),
    )
    fee_avg = F.round(F.col("fee_m0") * (0.8 + 0.4 * F.col("_u1")), 2)
    features = {
        "fee_avg_3m": fee_avg,
        "fee_avg_prior_3m": nullable(F.round(fee_avg * (0.7 + 0.6 * F.col("_u2")), 2), 0.05),
        "package_fee_m0": F.round(F.col("fee_m0") * (0.5 + 0.5 * F.col("_u3"))),
        "overage_share_m0": nullable(F.pow(uniform(), 3), 0.03),
        "value_added_fee_m0": F.when(uniform() < 0.3, F.round(uniform() * 30, 2)).otherwise(F.lit(0.0)),
        "arrears_m0": F.when(uniform() < 0.05, F.round(uniform() * 200, 2)).otherwise(F.lit(0.0)),
        "balance_m0": F.round(uniform() * 100, 2),
        "forwarded_share_avg_3m": F.col("forwarded_share_m0") * (0.7 + 0.3 * uniform()),
        "voice_minutes_change": nullable(0.5 + uniform(), 0.05),
        "data_mb_change": nullable(0.4 + 1.2 * uniform(), 0.05),
        "sms_count_m0": F.floor(F.exp(F.lit(2.0) + normal())).cast("double"),
        "data_allowance_used_share_m0": nullable(uniform(), 0.05),
        "voice_allowance_used_share_m0": nullable(uniform(), 0.05),
        "months_billed_6m": F.when(uniform() < 0.85, F.lit(6.0)).otherwise(F.floor(1 + uniform() * 5).cast("double")),
        "package_changes_6m": F.when(uniform() < 0.8, F.lit(0.0)).otherwise(F.floor(1 + uniform() * 3).cast("double")),
        "contract_months_to_end": F.when(
            F.col("contract_kind_m0").isNotNull(), F.floor(uniform() * 26 - 2).cast("double")
        ),
    }
    frame = frame.select("*", *[value.alias(name) for name, value in features.items()])
    frame = frame.withColumn(
        "fee_drop",
        F.when(
            F.col("fee_avg_prior_3m") > 0, F.greatest(F.lit(0.0), 1.0 - F.col("fee_avg_3m") / F.col("fee_avg_prior_3m"))
        ),
    ).withColumn("forwarded_share_max_3m", F.greatest("forwarded_share_m0", "forwarded_share_avg_3m"))
    # Churn mostly from forwarding, a falling bill, a short tenure, no contract and an old network.
    logit = (
        F.lit(-3.2)
        + 3.0 * F.coalesce(F.col("forwarded_share_m0"), F.lit(0.0))
        + 2.0 * F.coalesce(F.col("fee_drop"), F.lit(0.0))
        - 0.01 * F.col("tenure_months")
        + 0.8 * F.col("contract_kind_m0").isNull().cast("double")
        + 0.6 * F.col("package_generation").isin("2G", "3G").cast("double")
        + 0.01 * F.col("arrears_m0")
    )
    churned = (uniform() < 1.0 / (1.0 + F.exp(-logit))).cast("int")
    return frame.withColumn("churned", churned).drop("_u1", "_u2", "_u3")


def _python_worker_peak_mb(jvm_pid: int) -> float:
    """The largest peak RSS among the JVM's live descendants (the PySpark daemon and its workers)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents[int(stat.parent.name)] = int(fields[1])
        except (OSError, IndexError, ValueError):
            continue
    descendants, frontier = set(), {jvm_pid}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - descendants
        descendants |= frontier
    peaks = []
    for pid in descendants:
        try:
            peaks.append(peak_rss_mb(pid))
        except OSError:  # ended meanwhile
            continue
    # A zombie (Spark's finished helper shells) has no memory figures: NaN, left out.
    return max((p for p in peaks if not math.isnan(p)), default=float("nan"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=None, help="default: the session's default parallelism")
    parser.add_argument("--threads-per-task", type=int, default=1, help="model threads in each Spark task")
    parser.add_argument("--seed", type=int, default=None, help="data seed; default: the churn config's seed")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="bench_score_"))
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq
    from pyspark.sql import functions as F
    from sklearn.metrics import roc_auc_score

    from telco_mart.modelling.churn_model import load_churn_config
    from telco_mart.modelling.estimator import build_classifier
    from telco_mart.modelling.scoring import score_frame
    from telco_mart.settings import DataLayout
    from telco_mart.spark_session import get_spark

    config = load_churn_config()
    numeric, categorical = list(config.numeric), list(config.categorical)
    seed = config.seed if args.seed is None else args.seed
    try:
        started = time.perf_counter()
        spark = get_spark("bench-score", DataLayout(root))
        jvm_pid = int(spark.sparkContext._jvm.java.lang.ProcessHandle.current().pid())
        print(f"Spark start-up: {time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.2f}")
        partitions = args.partitions or spark.sparkContext.defaultParallelism

        started = time.perf_counter()
        features = _synthetic_features(spark, args.subscribers, partitions, seed)
        absent = [c for c in config.features if c not in features.columns]
        if absent:
            raise SystemExit(f"the benchmark does not synthesise the churn config's features {absent}")
        features = features.select("subscriber_id", *config.features, "churned").cache()
        rows = features.count()
        churn_rate = features.agg(F.avg("churned")).first()[0]
        print(
            f"features: {rows:,} subscribers x {len(numeric)} numeric + {len(categorical)} categorical, "
            f"churn rate {churn_rate:.1%}, generated and cached in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        # A stable sample: the rows with the smallest hash of their id (a top-k, no global sort).
        train = features.orderBy(F.xxhash64("subscriber_id")).limit(TRAINING_ROWS).toPandas()
        collect_train = time.perf_counter() - started
        started = time.perf_counter()
        model = build_classifier(numeric, categorical, seed=config.seed, params=config.params)
        model.fit(train[config.features], train["churned"].to_numpy())
        print(
            f"training: {len(train):,} rows collected in {collect_train:.1f} s, model fitted in "
            f"{time.perf_counter() - started:.1f} s (models/churn.yaml params {config.params})"
        )

        threads = args.threads_per_task
        batch = int(spark.conf.get("spark.sql.execution.arrow.maxRecordsPerBatch"))
        print(
            f"Spark: master {spark.sparkContext.master}, {rows:,} rows in {features.rdd.getNumPartitions()} input "
            f"partitions, shuffle partitions {spark.conf.get('spark.sql.shuffle.partitions')}, default parallelism "
            f"{spark.sparkContext.defaultParallelism}, Arrow batches of {batch:,} rows, {threads} model thread(s) "
            f"per task, {os.cpu_count()} cores"
        )
        output = root / "scores"
        started = time.perf_counter()
        score_frame(features, model, numeric, categorical, threads_per_task=threads).write.parquet(str(output))
        spark_seconds = time.perf_counter() - started
        worker_peak = _python_worker_peak_mb(jvm_pid)
        print(
            f"1. Spark score_frame + Parquet write of the scores: {spark_seconds:.1f} s, "
            f"{rows / spark_seconds:,.0f} rows/s"
        )

        started = time.perf_counter()
        frame = features.toPandas()
        collect_seconds = time.perf_counter() - started
        print(f"   (toPandas of the features for the reference, not timed below: {collect_seconds:.1f} s)")
        started = time.perf_counter()
        probability = model.predict_proba(frame[config.features])[:, 1]
        pandas_seconds = time.perf_counter() - started
        print(
            f"2. pandas predict_proba, same model and features: {pandas_seconds:.1f} s, "
            f"{len(frame) / pandas_seconds:,.0f} rows/s (threads: scikit-learn's default, all cores)"
        )
        started = time.perf_counter()
        chunked = np.concatenate(
            [model.predict_proba(frame[config.features].iloc[i : i + batch])[:, 1] for i in range(0, len(frame), batch)]
        )
        chunked_seconds = time.perf_counter() - started
        print(
            f"   the same in {batch:,}-row chunks (Spark's Arrow batch): {chunked_seconds:.1f} s, "
            f"{len(frame) / chunked_seconds:,.0f} rows/s (max |chunked - whole| = "
            f"{np.abs(chunked - probability).max():.3g})"
        )
        print(
            f"   Spark takes {spark_seconds / pandas_seconds:.2f}x as long as one predict_proba call, "
            f"{spark_seconds / chunked_seconds:.2f}x as long as the chunked one"
        )

        spark_scores = pq.read_table(output).to_pandas()
        joined = pd.DataFrame({"subscriber_id": frame["subscriber_id"], "reference": probability}).merge(
            spark_scores, on="subscriber_id", how="outer", validate="one_to_one"
        )
        unmatched = int(joined["score"].isna().sum() + joined["reference"].isna().sum())
        difference = (joined["score"] - joined["reference"]).abs().max()
        print(
            f"check: {len(spark_scores):,} Spark scores, {unmatched} unmatched, max |Spark - pandas| = "
            f"{difference:.3g}; ROC AUC of the score on all rows {roc_auc_score(frame['churned'], probability):.3f}"
        )
        if unmatched or not math.isclose(difference, 0.0, abs_tol=1e-9):
            print("   WARNING: the two paths disagree")
        print(
            f"peak memory: Python {peak_rss_mb():,.0f} MB, Spark JVM {peak_rss_mb(jvm_pid):,.0f} MB, "
            f"largest Python worker {worker_peak:,.0f} MB"
        )
        # Other work on the machine distorts every figure above: a 1-minute load above the cores says so.
        print(f"load average at the end: {os.getloadavg()[0]:.2f} ({os.cpu_count()} cores)")
        spark.stop()
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
