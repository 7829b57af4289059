# Compares a workbook read back by sheet_dump with the JSON report of the
# same week. $sheet: the rows of one worksheet ([row, cell, cell, ...]);
# $reportv: the JSON report (slurped); $check: which sheet kind; $scope for ranking
# sheets; $weeks: the JSON reports of every week so far (trend). Prints one
# line per difference and nothing when they agree.

$reportv[0] as $report |

def cell($i): (.[$i + 1] // "");
def takewhile(f): . as $a
  | ([range(0; $a | length) | select(($a[.] | f) | not)] + [$a | length] | min) as $n
  | $a[:$n];
# The data rows of every table: the rows after a header row ("STT") whose
# first cell is a number.
def tables: . as $rows
  | [range(0; length) | select($rows[.] | cell(0) == "STT")]
  | map($rows[. + 1:] | takewhile(cell(0) | type == "number"));
def rate($p; $a): if $a > 0 then $p / $a else null end;
def same($got; $want):
  if $want == null then $got == ""
  elif ($want | type) == "number" then
    ($got | type) == "number" and (($got - $want) | fabs) <= 1e-9 * ([1, ($want | fabs)] | max)
  else $got == $want end;
def field($name; $got; $want):
  select(same($got; $want) | not) | "\($name): workbook \($got), report \($want)";

# One ranking row: STT, code, name, GV, CBQL and total figures, rate, the
# people, Δ, rank, group, what the unit needs; the note's marks (rule 13):
# praise only in the top group, chase only below it.
def ranking_row_diff($r; $j):
  field("unit_code"; $r | cell(1); $j.unit_code),
  field("gv_assigned"; $r | cell(3); $j.gv_assigned),
  field("gv_passed"; $r | cell(4); $j.gv_passed),
  field("gv rate"; $r | cell(5); rate($j.gv_passed; $j.gv_assigned)),
  field("cbql_assigned"; $r | cell(6); $j.cbql_assigned),
  field("cbql_passed"; $r | cell(7); $j.cbql_passed),
  field("cbql rate"; $r | cell(8); rate($j.cbql_passed; $j.cbql_assigned)),
  field("assigned"; $r | cell(9); $j.assigned),
  field("passed"; $r | cell(10); $j.passed),
  field("rate"; $r | cell(11); $j.rate),
  field("learners"; $r | cell(12); $j.learners),
  field("learners_completed"; $r | cell(13); $j.learners_completed),
  field("learner_rate"; $r | cell(14); $j.learner_rate),
  field("delta_pp"; $r | cell(15); $j.delta_pp),
  field("rank"; $r | cell(16); $j.rank),
  field("group"; $r | cell(17); $j.group),
  field("to_next_group"; $r | cell(18); $j.to_next_group),
  field("to_top_group"; $r | cell(19); $j.to_top_group),
  (($r | cell(20)) as $note | $report.groups[0].name as $top
   | (select(($note | test("Biểu dương")) and $j.group != $top)
      | "praised in group \($j.group)"),
     (select(($note | test("Đôn đốc")) and ($j.group == $top or $j.rank == null))
      | "chased in group \($j.group)"));

def ranking_check:
  ($sheet | tables) as $t
  | ([$report.rankings[] | select(.scope == $scope)]) as $rk
  # No direct-units table when there is none to show (a unit's pack).
  | ([$rk[] | select(.unit_kind == "direct") | .rows[]] | length) as $nd
  | (if $nd > 0 then 2 else 1 end) as $nt
  | if ($t | length) != $nt then "\($scope): \($t | length) tables, expected \($nt)"
    else
      (
        ([range(0; $nt)][]) as $k
        | ($rk[] | select(.unit_kind == (["ranked", "direct"][$k])) | .rows) as $jrows
        | if ($t[$k] | length) != ($jrows | length) then
            "\($scope) table \($k + 1): \($t[$k] | length) rows, report \($jrows | length)"
          else
            range(0; $jrows | length) as $i
            | ranking_row_diff($t[$k][$i]; $jrows[$i])
            | "\($scope) table \($k + 1) row \($i + 1) (\($jrows[$i].unit_code)): \(.)"
          end
      ),
      (
        # The province total row: for the overall sheet the report's own
        # total; for a module, the sum of its units (the fixture's province
        # has no learner outside them), or the totals a unit's view of the
        # report carries (packs.sh).
        ([$sheet[] | select(cell(1) == $report.province.code and (cell(2) | startswith("Toàn tỉnh")))]
         | first) as $tot
        | (if $scope == "overall" then $report.province_total
           elif $report.module_totals then $report.module_totals[$scope]
           else ([$rk[].rows[]] | {assigned: (map(.assigned) | add), passed: (map(.passed) | add)}
                 | . + {rate: rate(.passed; .assigned)}) end) as $want
        | if $tot == null then "\($scope): no province total row"
          else
            field("\($scope) total assigned"; $tot | cell(9); $want.assigned),
            field("\($scope) total passed"; $tot | cell(10); $want.passed),
            field("\($scope) total rate"; $tot | cell(11); $want.rate),
            (select($scope == "overall")
             | field("total learners"; $tot | cell(12); $report.province_total.learners),
               field("total learners completed"; $tot | cell(13);
                     $report.province_total.learners_completed))
          end
      )
    end;

def schools_check:
  ($sheet | tables | .[0] // []) as $rows
  | if ($rows | length) != ($report.schools | length) then
      "schools: \($rows | length) rows, report \($report.schools | length)"
    else
      range(0; $rows | length) as $i
      | $rows[$i] as $r | $report.schools[$i] as $j
      | (field("unit_code"; $r | cell(3); $j.unit_code),
         field("parent_code"; $r | cell(1); $j.parent_code),
         field("assigned"; $r | cell(11); $j.assigned),
         field("passed"; $r | cell(12); $j.passed),
         field("rate"; $r | cell(13); $j.rate),
         field("learners"; $r | cell(14); $j.learners),
         field("learners_completed"; $r | cell(15); $j.learners_completed),
         field("learner_rate"; $r | cell(16); $j.learner_rate),
         field("rank_in_parent"; $r | cell(17); $j.rank_in_parent),
         field("group"; $r | cell(18); $j.group))
      | "schools row \($i + 1) (\($j.unit_code)): \(.)"
    end;

def temis_check:
  ($sheet | tables | .[0] // []) as $rows
  | $report.temis[] as $j
  | ([$rows[] | select(cell(1) == $j.unit_code)] | first) as $r
  | (if $j.target == "gv" then 3 else 7 end) as $c
  | if $r == null then "temis: no row for \($j.unit_code)"
    else
      (field("total"; $r | cell($c); $j.total),
       field("self_assessed"; $r | cell($c + 1); $j.self_assessed),
       field("head_assessed"; $r | cell($c + 2); $j.head_assessed),
       field("rate"; $r | cell($c + 3); $j.rate))
      | "temis \($j.unit_code) \($j.target): \(.)"
    end;

# Week w's column of the trend equals the overall rates of week w's report.
def trend_check:
  ($sheet | tables | .[0] // []) as $rows
  | ([$sheet[] | select(cell(1) == $report.province.code and cell(0) == "")] | first) as $prov
  | ($weeks | length) as $n
  | range(0; $n) as $w
  | $weeks[$w] as $rep
  | ($rows[0] | length) as $width
  | if $width - 4 != $n then "trend: \($width - 4) weeks, expected \($n)"
    else
      (($rep.rankings[] | select(.scope == "overall") | .rows[]) as $j
       | ([$rows[] | select(cell(1) == $j.unit_code)] | first) as $r
       | if $r == null then "trend: no row for \($j.unit_code)"
         else field("trend \($rep.week) \($j.unit_code)"; $r | cell(3 + $w); $j.rate) end),
      (if $prov == null then "trend: no province row"
       else field("trend \($rep.week) province"; $prov | cell(3 + $w); $rep.province_total.rate) end)
    end;

# Chưa hoàn thành: a row per learner who owes a module, one column per
# module ("Mô đun M1", ...) holding "Chưa học" or "Đang học" for each module
# owed. The cells owed add up, module by module, to the report's pairs not
# passed; no account is listed twice and no row owes nothing.
def owed: . == "Chưa học" or . == "Đang học";
def people_check:
  ([$sheet[] | select(cell(0) == "STT")] | first) as $head
  | [$sheet[] | select(cell(0) | type == "number")] as $rows
  | [range(7; ($head | length) - 1) | . as $i | select($head | cell($i) | startswith("Mô đun "))] as $cols
  | ([$rows[] | [cell($cols[])] | map(select(owed)) | length] | add // 0) as $n
  | ($report.province_total.assigned - $report.province_total.passed) as $want
  | (select($n != $want) | "people: \($n) module cells owed, expected \($want) pairs not passed"),
    (select(($cols | length) != ([$report.rankings[] | .scope | select(startswith("module:"))] | unique | length))
     | "people: \($cols | length) module columns"),
    ($cols[] as $c
     | ($head | cell($c) | ltrimstr("Mô đun ")) as $m
     | ([$rows[] | cell($c) | select(owed)] | length) as $got
     | ([$report.rankings[] | select(.scope == "module:" + $m) | .rows[] | .assigned - .passed] | add // 0) as $exp
     | select($got != $exp) | "people: module \($m): \($got) owed, expected \($exp)"),
    (([$rows[] | cell(4)] | length) as $a | ([$rows[] | cell(4)] | unique | length) as $u
     | select($a != $u) | "people: \($a - $u) accounts listed twice"),
    ($rows[] | select([cell($cols[])] | map(select(owed)) | length == 0)
     | "people: row \(.[0]) (\(cell(4))) owes no module");

def data_check:
  ([$sheet[] | cell(0)]) as $a
  | ($report.imports[] | .file | select(. as $f | $a | index($f) | not) | "data: import \(.) not listed"),
    (([range(0; $sheet | length) | select($sheet[.] | cell(0) == "Dòng bị từ chối")] | first) as $s
     | ([range(0; $sheet | length) | select($sheet[.] | cell(0) == "Đơn vị không có trong danh mục")] | first) as $e
     | ([$sheet[$s + 2:$e][] | select(cell(1) | type == "number")] | length) as $n
     | ([$report.imports[].rejected] | add) as $want
     | select($n != $want) | "data: \($n) rejected rows listed, imports say \($want)");

if $check == "ranking" then ranking_check
elif $check == "schools" then schools_check
elif $check == "temis" then temis_check
elif $check == "trend" then trend_check
elif $check == "people" then people_check
elif $check == "data" then data_check
else "unknown check \($check)" end
