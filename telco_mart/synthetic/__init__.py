"""The synthetic world, for the demo and the tests; a deployment on real extracts leaves it out.

* :mod:`telco_mart.synthetic.generate`: the operator's extracts, with labelled defects and the
  hidden truth (``truth/`` under the data root);
* :mod:`telco_mart.synthetic.channel_simulator`: the channel systems and the customers, answering
  each day's exports with results, orders and complaints.

Only the CLI's ``generate`` and ``campaigns`` commands import it (a test holds to that); the model
comparison still reads the generator's churn probabilities from ``truth/`` when the file exists
(``telco_mart.modelling.churn_model.oracle_scores``).
"""
