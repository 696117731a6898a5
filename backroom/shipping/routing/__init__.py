"""Last-mile route planning for a merchant's own vans.

``model`` (the domain), ``parse`` (request JSON → model), ``planner`` (model → solver problem →
checked plan), ``problem``/``solvers``/``lns``/``check`` (the solver side, shared with the
benchmark), ``instances`` (CVRPLIB and Solomon readers), ``sheets``/``pdf``/``svg`` (outputs).
"""
