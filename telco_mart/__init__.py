"""telco-mart: batch data mart for a mobile operator's precision marketing."""
