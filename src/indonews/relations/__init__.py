"""Relations between the entities of a sentence (MEET, AT, ON) and the meetings they describe.

- :mod:`~indonews.relations.candidates`: the entity pairs of a sentence whose types fit a relation;
- :mod:`~indonews.relations.markers`: typed entity markers around the two mentions of a pair;
- :mod:`~indonews.relations.model`: the pair classifier (encoder + marker-start head) and its trainer;
- :mod:`~indonews.relations.metrics`: strict relation P/R/F1;
- :mod:`~indonews.relations.meetings`: meeting records assembled from the relations of a sentence.
"""
