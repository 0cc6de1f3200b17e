from webhooks.signing import sign, verify

SECRET = "whsec_test"
BODY = b'{"id":"1","type":"booking.confirmed"}'


def test_signature_verifies_with_the_secret():
    header = sign(SECRET, BODY, timestamp=1_800_000_000)

    assert header.startswith("t=1800000000,v1=")
    assert verify(SECRET, header, BODY, now=1_800_000_010)


def test_signature_refuses_another_body_secret_or_timestamp():
    header = sign(SECRET, BODY, timestamp=1_800_000_000)
    forged = header.replace("t=1800000000", "t=1800000001")

    assert not verify(SECRET, header, BODY + b" ", now=1_800_000_000)
    assert not verify("whsec_other", header, BODY, now=1_800_000_000)
    assert not verify(SECRET, forged, BODY, now=1_800_000_000)


def test_signature_refuses_a_replay_after_five_minutes():
    header = sign(SECRET, BODY, timestamp=1_800_000_000)

    assert verify(SECRET, header, BODY, now=1_800_000_300)
    assert not verify(SECRET, header, BODY, now=1_800_000_301)


def test_malformed_headers_do_not_verify():
    for header in ["", "t=abc,v1=00", "v1=00", "t=1800000000", "garbage"]:
        assert not verify(SECRET, header, BODY, now=1_800_000_000)
