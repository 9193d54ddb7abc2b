"""Public information: publishing within scope, subscribers told once, unsubscribe by link."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from cityhall.core.errors import DomainError
from cityhall.identity.roles import Role
from cityhall.identity.tests import factories as f
from cityhall.notify.models import Message, SmsOutbox
from cityhall.participation import services
from cityhall.participation.models import Publication, Subscription, Topic

pytestmark = pytest.mark.django_db

STREET = "440105001"  # a street of Haizhu district
OTHER_STREET = "440104001"  # a street of Yuexiu district


@pytest.fixture
def street_publisher():
    return f.staff(unit=f.unit(STREET), roles=[Role.PUBLISHER])


@pytest.fixture
def city_publisher():
    return f.staff(unit=f.unit("440100"), roles=[Role.PUBLISHER])


@pytest.fixture
def resident():
    citizen = f.citizen(home=f.community(STREET))
    citizen.email = "resident@example.cn"
    citizen.save(update_fields=["email"])
    return citizen


def _publish(author, *, area=STREET, topic=Topic.NOTICE, title="停水通知"):
    return services.publication_publish(
        author=author, title=title, body="周六 9:00–17:00 停水。", topic=topic, area_code=area
    )


def test_a_street_subscriber_receives_street_and_city_items_not_other_streets(
    django_capture_on_commit_callbacks, resident, street_publisher, city_publisher
):
    services.subscription_add(subscriber=resident, topic="", area_code=STREET)
    other_publisher = f.staff(unit=f.unit(OTHER_STREET), roles=[Role.PUBLISHER])
    with django_capture_on_commit_callbacks(execute=True):
        own = _publish(street_publisher)
        city = _publish(city_publisher, area="440100", title="全市医保政策调整")
        _publish(other_publisher, area=OTHER_STREET, title="别的街道的通知")
    subjects = set(Message.objects.filter(recipient=resident).values_list("subject", flat=True))
    assert subjects == {f"【订阅】{own.title}", f"【订阅】{city.title}"}
    assert Publication.objects.get(pk=own.pk).notified_count == 1


def test_topic_filter_and_areas_above_only(
    django_capture_on_commit_callbacks, resident, street_publisher, city_publisher
):
    services.subscription_add(subscriber=resident, topic=Topic.NOTICE, area_code=STREET)
    services.subscription_add(subscriber=resident, topic="", area_code="440105")
    with django_capture_on_commit_callbacks(execute=True):
        _publish(street_publisher, topic=Topic.NOTICE)  # street notice: the street subscription
        _publish(city_publisher, area="440105", topic=Topic.POLICY, title="区政策")  # district
        _publish(street_publisher, topic=Topic.POLICY, title="街道政策")  # no: topic, and a
        # district subscription does not take in every street's items
    subjects = set(Message.objects.filter(recipient=resident).values_list("subject", flat=True))
    assert subjects == {"【订阅】停水通知", "【订阅】区政策"}
    # Two subscriptions match one item: one message.
    with django_capture_on_commit_callbacks(execute=True):
        _publish(city_publisher, area="440100", topic=Topic.NOTICE, title="全市通知")
    assert Message.objects.filter(recipient=resident, subject="【订阅】全市通知").count() == 1


def test_notify_twice_sends_once(django_capture_on_commit_callbacks, resident, street_publisher):
    services.subscription_add(subscriber=resident, topic="", area_code=STREET)
    with django_capture_on_commit_callbacks(execute=True):
        item = _publish(street_publisher)
    assert services.publication_notify(publication_id=item.pk) == 1
    assert Message.objects.filter(recipient=resident).count() == 1


def test_email_and_sms_are_sent_when_asked(
    django_capture_on_commit_callbacks, resident, street_publisher
):
    services.subscription_add(
        subscriber=resident, topic="", area_code=STREET, by_email=True, by_sms=True
    )
    with django_capture_on_commit_callbacks(execute=True):
        _publish(street_publisher)
    assert len(mail.outbox) == 1 and "退订" in mail.outbox[0].body
    assert SmsOutbox.objects.filter(text__contains="停水通知").count() == 1


def test_unsubscribe_from_the_message_link_without_signing_in(
    client, django_capture_on_commit_callbacks, resident, street_publisher
):
    services.subscription_add(subscriber=resident, topic="", area_code=STREET)
    with django_capture_on_commit_callbacks(execute=True):
        _publish(street_publisher)
    body = Message.objects.get(recipient=resident).body
    found = re.search(r"https?://[^/]+(/information/unsubscribe/\S+/)", body)
    assert found is not None
    path = found.group(1)
    page = client.get(path)
    assert page.status_code == 200 and "确认退订" in page.content.decode()
    assert Subscription.objects.filter(subscriber=resident).count() == 1  # GET only asks
    assert client.post(path).status_code == 200
    assert not Subscription.objects.filter(subscriber=resident).exists()
    assert client.get(path).status_code == 200  # a second visit: already gone, no error
    assert client.get("/information/unsubscribe/forged-token/").status_code == 404


def test_publishing_outside_the_units_area_is_refused(street_publisher):
    with pytest.raises(DomainError) as error:
        _publish(street_publisher, area=OTHER_STREET)
    assert error.value.code == "area_scope"
    with pytest.raises(DomainError):
        _publish(street_publisher, area="440100")  # a street does not speak for the city
    assert not Publication.objects.exists()


def test_only_publishers_publish_and_bad_input_changes_nothing(street_publisher):
    clerk = f.staff(unit=f.unit(STREET), roles=[Role.WINDOW_CLERK])
    with pytest.raises(DomainError):
        _publish(clerk)
    with pytest.raises(DomainError) as error:
        _publish(street_publisher, title="  ")
    assert error.value.code == "required"
    with pytest.raises(DomainError) as error:
        _publish(street_publisher, title="长" * 201)
    assert error.value.code == "too_long"
    assert not Publication.objects.exists()


def test_subscription_rules(resident):
    services.subscription_add(subscriber=resident, topic=Topic.POLICY, area_code=STREET)
    with pytest.raises(DomainError) as error:
        services.subscription_add(subscriber=resident, topic=Topic.POLICY, area_code=STREET)
    assert error.value.code == "duplicate"
    with pytest.raises(DomainError) as error:
        services.subscription_add(subscriber=resident, topic="", area_code=f.community(STREET).code)
    assert error.value.code == "area"  # communities are not subscribable areas
    resident.phone = ""
    resident.save(update_fields=["phone"])
    with pytest.raises(DomainError) as error:
        services.subscription_add(subscriber=resident, topic="", area_code="440100", by_sms=True)
    assert error.value.code == "no_phone"
    assert Subscription.objects.filter(subscriber=resident).count() == 1


def test_pages(client, resident, street_publisher):
    item = _publish(street_publisher, title="<script>alert(1)</script>公告")
    listing = client.get(reverse("participation:index"), {"area": STREET}).content.decode()
    assert "&lt;script&gt;" in listing and "<script>alert" not in listing
    assert client.get(reverse("participation:detail", args=[item.pk])).status_code == 200
    assert client.get(reverse("participation:detail", args=[item.pk + 999])).status_code == 404
    f.signed_in(client, resident)
    response = client.post(
        reverse("participation:subscriptions"), {"topic": "", "area": STREET}, follow=True
    )
    assert "订阅成功" in response.content.decode()
    mine = Subscription.objects.get(subscriber=resident)
    other = f.citizen(home=f.community(STREET), name="王五")
    f.signed_in(client, other)
    # Another resident cannot remove my subscription by guessing its number.
    delete = reverse("participation:subscription_delete", args=[mine.pk])
    assert client.post(delete).status_code == 404
    assert Subscription.objects.filter(pk=mine.pk).exists()


def test_publish_page_for_publishers_only(client, street_publisher):
    f.signed_in(client, street_publisher)
    response = client.post(
        reverse("participation:publish"),
        {"title": "道路施工", "topic": Topic.NOTICE, "area": STREET, "body": "施工一周。"},
    )
    assert response.status_code == 302
    assert Publication.objects.filter(title="道路施工", publisher=street_publisher.unit).exists()
    clerk = f.staff(unit=f.unit(STREET), roles=[Role.WINDOW_CLERK])
    f.signed_in(client, clerk)
    assert client.get(reverse("participation:publish")).status_code == 403
