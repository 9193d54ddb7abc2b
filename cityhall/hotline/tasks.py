"""Thin Celery tasks over the services: the deadline sweep and the classifier's retraining."""

from celery import shared_task

from cityhall.hotline.services.deadlines import deadline_sweep
from cityhall.hotline.training import classifier_train, training_samples


@shared_task(name="cityhall.hotline.tasks.deadline_sweep")
def deadline_sweep_task() -> dict[str, int]:
    counts = deadline_sweep()
    return counts.__dict__


# Below this many finished tickets a retrained model would be worse than the one in use (often
# trained on synthetic texts), so the periodic run waits for history to accumulate.
RETRAIN_MIN_SAMPLES = 500
# The newest tickets are the ones that look like tomorrow's; older ones add little.
RETRAIN_MAX_SAMPLES = 200_000


@shared_task(name="cityhall.hotline.tasks.classifier_retrain")
def classifier_retrain_task() -> dict[str, float]:
    samples = training_samples(limit=RETRAIN_MAX_SAMPLES)
    if len(samples) < RETRAIN_MIN_SAMPLES:
        return {"skipped": 1.0}
    model = classifier_train(samples=samples)
    return {
        "samples": float(model.samples),
        "accuracy": model.accuracy,
        "top3_accuracy": model.top3_accuracy,
        "type_accuracy": model.type_accuracy,
        "baseline_accuracy": model.baseline_accuracy,
    }
