from accounts.roles import COMPANY_READER, Capability, has_capability, sees_all_customers


def test_scheduled_jobs_read_every_customer_and_may_change_nothing():
    assert sees_all_customers(COMPANY_READER)
    assert has_capability(COMPANY_READER, Capability.VIEW)
    assert not any(
        has_capability(COMPANY_READER, capability)
        for capability in Capability
        if capability is not Capability.VIEW
    )
