"""Every problem code raised while reading returns, each defined once.

F: the whole file is refused (or cannot be placed). A, D, C, G, M, X: a cell cannot be read,
so its row cannot be scored. N: a note; the value was read as intended, or a thing was
skipped, and the audit lead is told what was assumed. Validation codes (V) are defined
beside their checks in :mod:`qa_lib.checks.rules`; all go into one registry
(:mod:`qa_lib.common.problems`).
"""

from __future__ import annotations

from qa_lib.common.problems import define
from qa_lib.common.vocabulary import Severity

# Fixes several codes share.
RESAVE = "Open it in Excel, save it as .xlsx and send it again."
SAVE_AS_XLSX = "Open it in Excel, choose File > Save As > Excel Workbook (.xlsx) and send that file."
FRESH_TEMPLATE = "Copy the rows into a fresh audit template generated for this round."
USE_DROPDOWN = "Choose Yes, Partly, No or N/A from the dropdown."
NO_ACTION_DROPDOWN = "No action needed; use the dropdown next time."

HEADER = ("header row",)
ANSWERS = ("answer columns",)
DATES = ("date columns",)
CHOICES = ("choice columns",)
ANY = ("any column",)

# --------------------------------------------------------------------------- files refused

F01 = define(
    "F01", Severity.ERROR, "A spreadsheet saved in a format the toolkit does not read (.ods, .xlsb, ...).",
    message="'{file}' is a spreadsheet saved as {suffix}, a format the toolkit does not read.",
    fix="Open it and save it as an Excel Workbook (.xlsx), then send that file.")
F02 = define(
    "F02", Severity.ERROR, "The file is empty.", message="The file is empty (0 bytes).",
    fix="Ask the partner to send the completed audit workbook again.")
F03 = define(
    "F03", Severity.ERROR, "The workbook is password-protected.",
    message="The workbook is password-protected (encrypted), so it cannot be read.",
    fix="Ask the partner to remove the password (File > Info > Protect Workbook > Encrypt "
    "with Password, clear it, save) and send it again by a secure route.")
F04 = define(
    "F04", Severity.ERROR, "The file cannot be opened as a workbook (damaged or not Excel).",
    message="The file could not be opened as an Excel workbook{how}: it is damaged, incomplete "
    "or not a spreadsheet.",
    fix="Open it in Excel to check it is not damaged, save it as .xlsx and send it again.")
F05 = define(
    "F05", Severity.ERROR, "The workbook has no 'Audit' sheet.",
    message="No sheet called 'Audit' was found (sheets: {listed}).",
    fix="Enter the cases on the 'Audit' sheet of the audit template for this round.")
F06 = define(
    "F06", Severity.ERROR, "No header row of column keys was found.",
    message="The {where} has no header row of column keys (case_ref, partner, audit_date, ...) "
    "in its first {rows} rows.", fix=FRESH_TEMPLATE, fields=HEADER)
F07 = define(
    "F07", Severity.ERROR, "A required column is missing (with a near-miss suggestion).",
    message="Required {columns} missing from the header row (row {header_row}): {missing}.",
    fix="Rename the column to its key as in the audit template, or copy the rows into a fresh "
    "template.", fields=HEADER)
F08 = define(
    "F08", Severity.ERROR, "A column appears twice.",
    message="The column '{key}' appears twice (columns {first} and {second}).",
    fix="Delete or rename one of the two columns so each key appears once.", fields=HEADER)
F09 = define(
    "F09", Severity.ERROR, "A sheet with far more rows or columns in use than any audit return.",
    message="The sheet '{name}' has {rows:,} rows and {cols:,} columns in use, far more than an "
    "audit return; usually formulas or values were copied to the bottom of the sheet.",
    fix="Delete the unused rows below the cases and the columns to the right of the table "
    "(select them, right-click, Delete), save and send it again.")
F10 = define(
    "F10", Severity.ERROR, "A second header row with the columns in a different order.",
    message="Row {second} is a second header row with the columns in a different order from row "
    "{first} (for example '{moved}'), so the rows below it cannot be read safely.",
    fix="Keep one header row: move the rows under the second header into the columns of the "
    "first, and delete the second header.", fields=HEADER)
F11 = define(
    "F11", Severity.ERROR, "Two or more sheets hold the audit columns and case rows.",
    message="Sheets {sheets} {both} have the audit columns and case rows, so it is not clear which "
    "to read.",
    fix="Keep this round's cases on one sheet, the 'Audit' sheet: delete the other sheets (or "
    "their rows), save and send it again.")
F12 = define(
    "F12", Severity.ERROR, "A document that is not a spreadsheet (PDF, Word, image, ...).",
    message="'{name}' is {what}, not a spreadsheet, so no return was read from it.",
    fix="If it is a partner's return, ask for the completed audit workbook (.xlsx); if it is not "
    "a return, move it out of the inputs folder.")
F13 = define(
    "F13", Severity.ERROR, "A zip archive: the files inside it are not read.",
    message="'{name}' is a zip archive ({members}); archives are not opened, so no return inside "
    "it was read.",
    fix="Extract the returns from the archive into the inputs folder (or ask the partner to send "
    "the workbook itself) and run the round again.")
F14 = define(
    "F14", Severity.ERROR, "A link (shortcut) to a file that does not exist.",
    message="'{file}' is a link to '{target}', which does not exist, so nothing was read from it.",
    fix="Copy the return itself (not a link to it) into the inputs folder and run the round again.")
F15 = define(
    "F15", Severity.ERROR, "A return made with another version of the audit tool whose scored "
    "questions changed.",
    message="This return was made with {made}, but this round uses the '{profile}' profile, "
    "version {version}, and {count} scored {questions} changed: {changed}. Its answers would be "
    "scored against the wrong questions, so the file was not read.",
    fix="Ask the partner to copy their answers into this round's audit tool (qa-audit template), "
    "checking each answer against the question now above it, and send it again.", fields=HEADER)

# --------------------------------------------------------------------------- cells unreadable

A01 = define(
    "A01", Severity.ERROR, "A number or date where an answer belongs.",
    message="{what} was entered where an answer belongs.", fix=USE_DROPDOWN, fields=ANSWERS)
A02 = define(
    "A02", Severity.ERROR, "An answer that is not Yes, Partly, No or N/A.",
    message="'{value}' is not an answer the audit tool accepts.", fix=USE_DROPDOWN,
    fields=ANSWERS)
D01 = define(
    "D01", Severity.ERROR, "A value that cannot be read as a date.",
    message="'{value}' could not be read as a date.", fix="Enter the date as DD/MM/YYYY.",
    fields=DATES)
D02 = define(
    "D02", Severity.ERROR, "A date that does not exist (such as 31/02).",
    message="'{value}' is not a real date (there is no such day).",
    fix="Correct the day or month; dates are read day first (DD/MM/YYYY).", fields=DATES)
D03 = define(
    "D03", Severity.ERROR,
    "A date outside the audit's date window (1 January 2000 to 31 December 2099), such as a "
    "number typed into a date cell.",
    message="The date was read as {date}, outside the audit's date window (1 January 2000 to "
            "31 December 2099), so the year {year} cannot be right.{why}",
    fix="Check the date and its year; enter dates as DD/MM/YYYY with a four-digit year.",
    fields=DATES)
D04 = define(
    "D04", Severity.ERROR, "A date written month first (MM/DD/YYYY).",
    message="'{value}' has {second} where the month belongs: it looks written month first "
            "(MM/DD/YYYY, as some American software writes dates), so it was not read.",
    fix="Enter the date day first (DD/MM/YYYY), or export the return with UK dates.",
    fields=DATES)
D05 = define(
    "D05", Severity.ERROR, "A date that could be read either way, in a file that writes dates "
    "month first.",
    message="This file writes dates month first ({example}), so '{value}' may be {month_first} "
            "rather than {day_first}; it was not read.",
    fix="Enter the file's dates day first (DD/MM/YYYY), or export the return with UK dates.",
    fields=DATES)
C01 = define(
    "C01", Severity.ERROR, "A value that is not one of the column's choices (with a suggestion).",
    message="'{value}' is not one of the allowed values.{hint}", fix="Choose one of: {choices}.",
    fields=CHOICES)
C02 = define(
    "C02", Severity.ERROR, "A multi-choice value with an item that is not allowed.",
    message="'{value}' is not one of the allowed values.",
    fix="Use any of: {choices}, separated by ;.", fields=("multi-choice columns",))
G01 = define(
    "G01", Severity.ERROR, "A grade that is not a whole number in range.",
    message="'{value}' is not a whole number from {lo} to {hi}.",
    fix="Enter a grade from {lo} (best) to {hi} (worst), or leave it blank.",
    fields=("grade columns",))
M01 = define(
    "M01", Severity.ERROR, "A value in a number column that is not a number ('about 80', "
    "'n/k').",
    message="'{value}' is not a number{unit}.{why}",
    fix="Enter the number alone (80, not 'about 80'), or leave the cell blank if it is not "
    "known.",
    fields=("number columns",))
X01 = define(
    "X01", Severity.ERROR, "A formula with no saved result (the file was never opened and saved in Excel).",
    message="Cell {ref} has a formula with no saved result{formula}, so its value cannot be read.",
    fix="Open the file in Excel and save it (Excel then stores each formula's result), or type "
    "the value in place of the formula.", fields=ANY)
X02 = define(
    "X02", Severity.ERROR, "A cell showing an Excel error (#N/A, #REF!, #DIV/0!, ...).",
    message="Cell {ref} shows the Excel error {error}, not a value.",
    fix="Correct the formula in that cell, or type the value in its place.", fields=ANY)

# --------------------------------------------------------------------------- notes

N01 = define(
    "N01", Severity.NOTE, "A column that is not part of the audit tool was ignored.",
    message="Column '{value}' is not part of the audit tool and was ignored.{hint}",
    fix="Rename it to the key in the audit template if it holds audit answers.", fields=HEADER)
N02 = define(
    "N02", Severity.NOTE, "A system file (Office lock file, .DS_Store, Thumbs.db, desktop.ini) was skipped.",
    message="'{file}' is {what}, not a return, and was skipped.",
    fix="No action needed: system files are never read.")
N03 = define(
    "N03", Severity.NOTE, "A workbook with no case rows.", message="The audit sheet has no case rows.",
    fix="Check the partner sent the completed workbook.")
N04 = define(
    "N04", Severity.NOTE, "The Audit sheet is hidden; it was read.",
    message="The '{name}' sheet is hidden in this workbook; it was read as usual.",
    fix="No action needed; ask the partner to unhide the sheet next time.")
N05 = define(
    "N05", Severity.NOTE, "A hidden row or column was read.",
    message="Row {row} is hidden in the workbook; it was read and checked like any other row.",
    fix="Check the row is meant to be part of the return; unhide it to see it.", fields=ANY)
N06 = define(
    "N06", Severity.NOTE, "A merged cell's value was copied down the rows it covers.",
    message="Cells {span} are merged, so only row {row} holds the value; it was copied to "
    "{rows}.{across}",
    fix="Check the copied value is right for each case; unmerge the cells and fill each row "
    "next time.", fields=ANY)
N07 = define(
    "N07", Severity.NOTE, "A row repeating the column headings was skipped.",
    message="Row {row} repeats the column headings; it was skipped.",
    fix="Delete the repeated header row.", fields=HEADER)
N08 = define(
    "N08", Severity.NOTE, "A stray value far outside the audit table was ignored.",
    message="Cell {ref} holds a value far outside the audit table (beyond column {last}); it was "
    "ignored.", fix="Delete the stray value if it is not needed.")
N09 = define(
    "N09", Severity.NOTE, "No sheet is called 'Audit': the one sheet with the audit columns was read.",
    message="No sheet is called 'Audit'; the cases were read from sheet '{name}', the only sheet "
    "with the audit columns (sheets: {listed}).",
    fix="No action needed; next time enter the cases on the 'Audit' sheet of the template.")
N10 = define(
    "N10", Severity.NOTE, "An answer written differently (yes, Y, NA) was normalised.",
    message="Answer '{value}' was read as '{answer}'.", fix=NO_ACTION_DROPDOWN, fields=ANSWERS)
N11 = define(
    "N11", Severity.NOTE, "A date given as an Excel serial number was converted.",
    message="The date was a plain number ({number}); read as an Excel date serial: {date}.",
    fix="Check the date; format the cell as a date.", fields=DATES)
N12 = define(
    "N12", Severity.NOTE, "A two-digit year was read as 20xx or 19xx.",
    message="Two-digit year in '{value}' read as {date}.",
    fix="Check the year; enter dates as DD/MM/YYYY.", fields=DATES)
N13 = define(
    "N13", Severity.NOTE, "A choice Excel had turned into a date was recovered.",
    message="Excel had turned '{choice}' into a date; read as '{choice}'.",
    fix="Format the column as text, or use the dropdown.", fields=CHOICES)
N14 = define(
    "N14", Severity.NOTE, "A choice written differently was normalised.",
    message="'{value}' was read as '{choice}'.", fix=NO_ACTION_DROPDOWN, fields=CHOICES)
N15 = define(
    "N15", Severity.NOTE, "A file was read by its content, not its name (a CSV named .xls).",
    message="'{name}' is a text (CSV) file with an Excel name; it was read as CSV.",
    fix="No action needed; next time save the return as .xlsx from the audit template.")
N16 = define(
    "N16", Severity.NOTE, "The 'Audit' sheet is empty: the one other sheet with the audit columns and "
    "case rows was read.",
    message="The '{audit}' sheet has no case rows; the cases were read from sheet '{name}', the only "
    "sheet with the audit columns and case rows (sheets: {listed}).",
    fix="Check that sheet holds this round's cases; next time enter them on the 'Audit' sheet.")
N17 = define(
    "N17", Severity.NOTE, "A link to a file was followed; the file it points to was read.",
    message="'{file}' is a link to '{target}'; the file it points to was read.",
    fix="No action needed; next time copy the return itself into the inputs folder.")
N19 = define(
    "N19", Severity.NOTE, "A case reference written differently (lower case, another dash, "
    "spaces round a dash) was read in the one form used everywhere.",
    message="Case reference '{value}' was read as '{ref}' (references are compared in capitals, "
    "with '-' for any dash).",
    fix="No action needed; next time write the reference as agreed for the round.",
    fields=("case_ref",))
N20 = define(
    "N20", Severity.NOTE, "A return made with another version of the audit tool, its scored "
    "questions unchanged, was read by question.",
    message="This return was made with {made}; this round uses the '{profile}' profile, version "
    "{version}. Its columns were matched by question: {what}",
    fix="No action needed; next time use this round's audit tool.", fields=HEADER)
N21 = define(
    "N21", Severity.NOTE, "One partner's rows come from more than one file.",
    message="{who}'s rows come from {count} files: {files}. All were read; if one is a "
    "corrected copy of another, its cases are counted twice.",
    fix="If one file replaces another, move the older one out of the inputs folder and run the "
    "round again.", fields=("partner",))
N22 = define(
    "N22", Severity.NOTE, "Rows holding only what was filled down every row (the partner's "
    "name, the audit date) and no case were skipped.",
    message="{rows} {hold} only {what}, with no case reference or answer; {them} read as "
    "empty and skipped.",
    fix="No action needed if no case is missing; next time fill in only the rows of the cases "
    "audited.", fields=("partner", "audit_date"))
N23 = define(
    "N23", Severity.NOTE, "Every date written as text in a file could be read day first or "
    "month first: read day first, to be confirmed.",
    message="Every date written in this file could be read day first or month first (for "
            "example '{value}' in row {row}, {columns}); they were read day first, as the tool "
            "asks ('{value}' as {day_first}), since no date in the file settles it.",
    fix="Ask the partner to confirm the dates are day first (DD/MM/YYYY); if they are month "
        "first, ask for the return again with UK dates.", fields=DATES)
N24 = define(
    "N24", Severity.NOTE, "A percentage written with its % sign ('92%') in a percentage column "
    "was read as the number (92).",
    message="'{value}' was read as {number}: the column holds a percentage, and the % sign "
    "is not needed.",
    fix="No action needed; next time enter the number alone.", fields=("number columns",))
N18 = define(
    "N18", Severity.NOTE,
    "A special file (pipe, socket, device) or a folder not for reading (a repeated link, the "
    "toolkit's reports) was skipped unopened.",
    message="'{file}' is {what}, not a return, and was skipped without opening it.",
    fix="No action needed; remove it from the inputs folder.")

# --------------------------------------------------------------------------- the strategy scorecard
# The performance team's scorecard workbook (qa-audit template --indicators), read by
# :mod:`qa_lib.ingest.scorecard`: one row per indicator, a figure in each.

SCORECARD = ("indicator key", "numerator", "denominator", "value")
FIGURES = ("numerator", "denominator", "value")

S01 = define(
    "S01", Severity.ERROR, "The scorecard has no table of indicators (a header row with key and "
    "numerator or value).",
    message="No header row with the columns key and numerator (or value) was found in the first "
    "{rows} rows of {where}, so no indicator could be read.",
    fix="Enter the figures in the 'Scorecard' sheet of the scorecard workbook made by "
    "qa-audit template --indicators, without renaming its columns.", fields=SCORECARD)
S02 = define(
    "S02", Severity.ERROR, "A scorecard row whose indicator key is not one of the profile's "
    "indicators.",
    message="'{value}' is not an indicator of the '{profile}' profile.{hint}",
    fix="Use the key as the scorecard template gives it (one of: {known}); make a fresh "
    "scorecard with qa-audit template --indicators if the profile has changed.",
    fields=("indicator key",))
S03 = define(
    "S03", Severity.ERROR, "The same indicator is entered twice in the scorecard.",
    message="Indicator '{value}' is entered more than once (rows {rows}), so it is not clear "
    "which figure to use.", fix="Keep one row for each indicator and delete the other.",
    fields=("indicator key",))
S04 = define(
    "S04", Severity.ERROR, "A scorecard figure that is not a number.",
    message="'{value}' is not a number.",
    fix="Enter a plain number (digits, with a decimal point if needed), or leave the cell blank.",
    fields=FIGURES)
S05 = define(
    "S05", Severity.ERROR, "A negative scorecard figure.",
    message="{value} is negative; a count, a rate or a number of days cannot be.",
    fix="Enter the figure as a number of 0 or more.", fields=FIGURES)
S06 = define(
    "S06", Severity.ERROR, "A scorecard numerator greater than its denominator (more than 100%).",
    message="The numerator {numerator} is greater than the denominator {denominator}: more are "
    "counted than there are to count.",
    fix="Check the two figures: the numerator counts some of the denominator's children or "
    "cases, so it cannot be larger.", fields=("numerator", "denominator", "value"))
S07 = define(
    "S07", Severity.ERROR, "A scorecard row with a numerator but no denominator, or a "
    "denominator but no numerator.",
    message="The {given} is entered but the {missing} is blank, so the figure cannot be worked "
    "out.", fix="Enter both the numerator and the denominator (or neither, and the value).",
    fields=("numerator", "denominator"))
S08 = define(
    "S08", Severity.ERROR, "A scorecard value that does not match its numerator and denominator.",
    message="The value {value} does not match the numerator and denominator ({numerator} of "
    "{denominator} is {worked}).",
    fix="Correct the value, or leave it blank: it is worked out from the numerator and "
    "denominator.", fields=FIGURES)
S09 = define(
    "S09", Severity.NOTE, "An indicator with no figure in the scorecard: shown as not available.",
    message="No figure was entered for indicator '{key}' ({name}){where}; the report shows it as "
    "not available this round.",
    fix="No action needed if the figure is not known; otherwise enter it and run the round "
    "again.", fields=FIGURES)
S10 = define(
    "S10", Severity.NOTE, "A figure entered for an indicator the toolkit works out from the case "
    "rows was ignored.",
    message="Indicator '{key}' is worked out from the audit returns, so the figure entered "
    "for it was ignored.",
    fix="No action needed; leave its row blank next time.", fields=FIGURES)

# --------------------------------------------------------------------------- the actions workbook
# L for the action log (A is taken by answers): the workbook of actions the partnership agreed
# (qa-audit template --actions), read with --actions FILE by qa_lib.ingest.actions.

ACTION_FIX = "Correct the cell in the actions workbook and run the round again."

L01 = define(
    "L01", Severity.ERROR, "The actions workbook has no table of actions (a header row with "
    "action, partner, measure, owner, due date and status).",
    message="No table of actions was found in {where}: a header row with the columns action, "
    "partner, measure, owner, due date and status in its first {rows} rows{missing}.",
    fix="Enter the actions in the 'Actions' sheet of the workbook made by qa-audit template "
    "--actions, without renaming its columns.", fields=("header row",))
L02 = define(
    "L02", Severity.ERROR, "An actions row with no action text.",
    message="This row has a {filled} but no action: what was agreed is blank.",
    fix="Write the action agreed in the action column, or clear the row.", fields=("action",))
L03 = define(
    "L03", Severity.ERROR, "A partner in the actions workbook that is not one of the profile's "
    "partners (or the Partnership).",
    message="'{value}' is not a partner of the '{profile}' profile, nor the Partnership.{hint}",
    fix="Choose the partner from the dropdown (one of: {known}).", fields=("partner", "about"))
L04 = define(
    "L04", Severity.ERROR, "A measure in the actions workbook that is not one of the profile's "
    "measures.",
    message="'{value}' is not a measure of the '{profile}' profile.{hint}",
    fix="Choose the measure from the dropdown (one of: {known}), or leave it blank for an "
    "action not meant to move one measure.", fields=("measure",))
L05 = define(
    "L05", Severity.ERROR, "A due date in the actions workbook that is not a date.",
    message="'{value}' could not be read as a date.",
    fix="Enter the due date as DD/MM/YYYY, or leave it blank.", fields=("due date",))
L06 = define(
    "L06", Severity.ERROR, "An action status that is not Open, Done or Dropped.",
    message="'{value}' is not a status the actions workbook takes.",
    fix="Choose Open, Done or Dropped from the dropdown.", fields=("status",))
L07 = define(
    "L07", Severity.ERROR, "An action's owner that looks like a person's name (or contact "
    "details), not a role.",
    message="The owner looks like {kind}; an action is owned by a role, and the reports show "
    "the owner.",
    fix="Enter the owner's role (for example 'Designated safeguarding lead'), not their name.",
    fields=("owner",))
L08 = define(
    "L08", Severity.NOTE, "Personal data in an action, note or commentary was replaced with "
    "[redacted] before reporting.",
    message="{count} item(s) that look like personal data (a name, date, phone number, ...) "
    "were found in the {column} and replaced with [redacted] in the reports.",
    fix="No action needed; keep names and contact details out of the actions workbook.",
    fields=("action", "notes", "commentary"))
