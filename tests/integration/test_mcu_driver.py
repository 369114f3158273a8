"""The CMS driver against the simulated MCU on loopback: spaces, calls, legs, paging, faults, receivers."""
from __future__ import annotations

import pytest

from meetings.mcu.cms import CmsDriver
from meetings.mcu.driver import AuthError, ConfigurationError, NotFoundError, Unavailable, build_driver
from meetings.mcu.simulator.server import wait_until
from meetings.mcu.simulator.state import Faults
from tests.mcu_sim import PASSWORD, USERNAME, driver_for, simulated_mcu


def test_space_call_and_legs_through_the_simulator():
    with simulated_mcu() as (url, mcu):
        driver = driver_for(url)
        space = driver.ensure_space(name="Giao ban trực tuyến", uri="btp-7", call_number="880007", cdr_tag="meeting:7")
        assert space.id and driver.find_space("880007").id == space.id
        again = driver.ensure_space(name="Giao ban (đổi tên)", uri="btp-7", call_number="880007", cdr_tag="meeting:7")
        assert again.id == space.id and len(mcu.spaces) == 1
        assert mcu.spaces[space.id].name == "Giao ban (đổi tên)"
        call = driver.start_call(space.id)
        assert driver.start_call(space.id).id == call.id  # the active call is found, not started twice
        leg = driver.dial(call.id, "sip:a@vc.example", "thads-a", dtmf=None)
        assert wait_until(lambda: driver.get_leg(leg.id).state == "connected")
        [listed] = driver.list_legs(call.id)
        assert (listed.id, listed.owner_id, listed.direction) == (leg.id, "thads-a", "outgoing")
        driver.hang_up(leg.id)
        with pytest.raises(NotFoundError):
            driver.get_leg(leg.id)
        driver.end_call(call.id)
        assert driver.find_call(space.id) is None
        driver.remove_space(space.id)
        with pytest.raises(NotFoundError) as error:
            driver.remove_space(space.id)
        assert error.value.reason == "coSpaceDoesNotExist"


def test_list_legs_reads_every_page():
    with simulated_mcu() as (url, mcu):
        driver = driver_for(url)
        space = driver.ensure_space(name="Toàn quốc", uri="btp-8", call_number="880008", cdr_tag="meeting:8")
        call = driver.start_call(space.id)
        for number in range(64):
            driver.dial(call.id, f"sip:room-{number}@vc.example", f"room-{number}")
        legs = driver.list_legs(call.id)
        assert len(legs) == 64 and len({leg.id for leg in legs}) == 64  # the simulator caps pages at 10


def test_503s_are_retried_and_a_lost_answer_is_unavailable():
    with simulated_mcu(faults=Faults(error_rate=0.3, seed=3)) as (url, mcu):
        driver = driver_for(url, retries=8)
        space = driver.ensure_space(name="Họp", uri="btp-9", call_number="880009", cdr_tag="meeting:9")
        call = driver.start_call(space.id)
        for number in range(10):
            driver.dial(call.id, f"sip:r{number}@vc.example", f"r{number}")
        assert mcu.faulted > 0 and len(mcu.live_legs()) == 10
        mcu.faults.error_rate = 0.0
        mcu.faults.lose_answers = 1
        with pytest.raises(Unavailable):
            driver.dial(call.id, "sip:lost@vc.example", "lost")
        # The leg exists although its answer was lost: whoever retries must look first.
        assert [leg.owner_id for leg in driver.list_legs(call.id) if leg.remote_party == "sip:lost@vc.example"] \
            == ["lost"]


def test_wrong_credentials_and_a_dead_mcu():
    with simulated_mcu() as (url, _mcu):
        with pytest.raises(AuthError):
            CmsDriver(url, USERNAME, "wrong", retries=0).system_status()
        assert driver_for(url).system_status().software_version
    with pytest.raises(Unavailable):
        driver_for(url, retries=1).system_status()  # the simulator has stopped


def test_the_receiver_is_registered_once():
    with simulated_mcu() as (url, mcu):
        driver = driver_for(url)
        assert driver.ensure_cdr_receiver("http://app.example/mcu/cdr/t0k3n") is True
        assert driver.ensure_cdr_receiver("http://app.example/mcu/cdr/t0k3n") is False
        assert list(mcu.receivers.values()) == ["http://app.example/mcu/cdr/t0k3n"]


def test_the_registry_names_the_driver():
    with pytest.raises(ConfigurationError):
        build_driver({"MCU_DRIVER": ""})
    with pytest.raises(ConfigurationError):
        build_driver({"MCU_DRIVER": "pexip", "MCU_URL": "http://x"})
    driver = build_driver({"MCU_DRIVER": "cms", "MCU_URL": "http://127.0.0.1:9", "MCU_USERNAME": USERNAME,
                           "MCU_PASSWORD": PASSWORD})
    assert isinstance(driver, CmsDriver)
