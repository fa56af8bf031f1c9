"""Score a scikit-learn model over a Spark DataFrame without collecting it to the driver.

The model is broadcast once and applied per Arrow batch in the Python workers
(``mapInArrow``): no per-row Python UDF, no pandas round trip through the driver. Each worker
limits the model's own thread pools (OpenMP, BLAS) so that Spark's task slots and the model do
not oversubscribe the cores. The features come from the same Spark code as in training.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

SCORE_SCHEMA = "subscriber_id string, score double"
DECILES = 10


def score_frame(
    features: DataFrame,
    model,
    numeric: Sequence[str],
    categorical: Sequence[str],
    *,
    threads_per_task: int = 1,
    id_column: str = "subscriber_id",
) -> DataFrame:
    """``id_column`` and ``score`` (the model's probability of the positive class) for every row."""
    columns = [*numeric, *categorical]
    missing = [c for c in [id_column, *columns] if c not in features.columns]
    if missing:
        raise ValueError(f"the feature frame lacks the model's columns {missing}")
    broadcast_model = features.sparkSession.sparkContext.broadcast(model)
    numeric, categorical = list(numeric), list(categorical)

    def predict(batches: Iterator) -> Iterator:
        import numpy as np
        import pyarrow as pa
        from threadpoolctl import threadpool_limits

        fitted = broadcast_model.value
        with threadpool_limits(limits=threads_per_task):
            for batch in batches:
                if batch.num_rows == 0:
                    continue
                frame = batch.select(columns).to_pandas()
                frame[numeric] = frame[numeric].astype("float64")
                for name in categorical:
                    frame[name] = frame[name].astype("object")
                probability = fitted.predict_proba(frame)[:, 1].astype(np.float64)
                yield pa.RecordBatch.from_arrays(
                    [batch.column(id_column).cast(pa.string()), pa.array(probability)], names=[id_column, "score"]
                )

    return features.select(id_column, *columns).mapInArrow(predict, SCORE_SCHEMA.replace("subscriber_id", id_column))


def with_deciles(scores: DataFrame, score_column: str = "score") -> DataFrame:
    """Adds ``decile`` (1 = the highest tenth of scores, 10 = the lowest) from approximate
    quantiles: nine numbers reach the driver, never the rows, and no global sort is needed."""
    cuts = scores.approxQuantile(score_column, [i / DECILES for i in range(1, DECILES)], 0.0005)
    # A score above k of the nine cuts lies in decile 10 - k.
    above = sum((F.col(score_column) > F.lit(cut)).cast("int") for cut in cuts) if cuts else F.lit(0)
    return scores.withColumn("decile", (F.lit(DECILES) - above).cast("int"))
