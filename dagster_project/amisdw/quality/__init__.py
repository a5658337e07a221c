"""Quality gates on AMIS deliveries: Great Expectations suites per extract family (stored as
files under expectations/), cross-file checks within a delivery, and quarantine records."""
