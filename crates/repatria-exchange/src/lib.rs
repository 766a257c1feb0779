//! Prisoner-exchange planner: scenario in, optimal plan and reasons out. Pure: no I/O.
