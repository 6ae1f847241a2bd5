"""Deploying LHT and checking a deployment.

- ``lht.deploy.settings``: the validated values ``sql/setup.sql`` is rendered with (from the
  environment ``scripts/deploy`` documents) and the network-rule hosts of Salesforce URLs.
  ``python -m lht.deploy setup-vars`` prints them for ``scripts/deploy``.
"""
