# Compares a `bdtx report --format json` ($actual) with a fixture's expected
# week ($expected): every ranking, every row in order, every figure. Prints
# one line per difference; prints nothing when they agree.
def fields: ["unit_code", "gv_assigned", "gv_passed", "cbql_assigned", "cbql_passed",
             "assigned", "passed", "rate", "rank", "group",
             "learners", "learners_completed", "gv_learners", "gv_learners_completed",
             "cbql_learners", "cbql_learners_completed", "learner_rate",
             "to_next_group", "to_top_group"];
def key: .scope + "/" + .unit_kind;

($actual[0]) as $a | ($expected[0]) as $e |
(
  [ "school_year", "week", "as_of", "learners", "learner_modules" ][] as $k
  | select($a[$k] != $e[$k])
  | "\($k): got \($a[$k]), expected \($e[$k])"
),
(
  # The province's people (rule 10), where the Sở's headline comes from.
  [ "learners", "learners_completed", "learner_rate" ][] as $k
  | select($a.people_total[$k] != $e.people_total[$k] or $a.province_total[$k] != $e.people_total[$k])
  | "people_total \($k): got \($a.people_total[$k]) (province_total \($a.province_total[$k])), expected \($e.people_total[$k])"
),
(
  $e.thresholds | to_entries[] as $t
  | select(([$a.groups[] | select(.name == $t.key) | .min_percent] | first) != $t.value)
  | "threshold \($t.key): expected \($t.value)"
),
(
  select(($a.rankings | map(key)) != ($e.rankings | map(key)))
  | "rankings: got \($a.rankings | map(key)), expected \($e.rankings | map(key))"
),
(
  $e.rankings[] as $er
  | ([$a.rankings[] | select(key == ($er | key))] | first) as $ar
  | if $ar == null then "\($er | key): missing"
    elif ($ar.rows | length) != ($er.rows | length) then
      "\($er | key): \($ar.rows | length) rows, expected \($er.rows | length)"
    else
      range(0; $er.rows | length) as $i
      | fields[] as $f
      | select($ar.rows[$i][$f] != $er.rows[$i][$f])
      | "\($er | key) row \($i + 1) (\($er.rows[$i].unit_code)) \($f): got \($ar.rows[$i][$f]), expected \($er.rows[$i][$f])"
    end
)
