from booking.services import booking_book


def test_book_sets_reference_and_blocked(room, customer, at):
    booking = booking_book(resource=room, customer=customer, party_size=2,
                           starts_at=at(9), ends_at=at(10))

    assert booking.reference.startswith("RB-") and len(booking.reference) == 11
    assert (booking.blocked.lower, booking.blocked.upper) == (at(9), at(10))
