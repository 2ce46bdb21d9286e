#!/usr/bin/env bash
# 92: what a mysqldump script needs before MariaDB takes it, and whether it
# is whole:
#   - a real dump cut at a line boundary (no "-- Dump completed" trailer)
#     -> 2 archive_truncated, naming the archive;
#   - a dump written by hand as MySQL 8 writes it: DEFINER= views, a
#     trigger and a routine, utf8mb4_0900_ai_ci / _as_cs / _bin tables ->
#     0, the DEFINER clauses stripped and counted (restore.filtered.owner),
#     the collations mapped, both said in notes; never critical;
#   - a MySQL 8 collation MariaDB has no equivalent of -> 3 tool_too_old
#     naming it;
#   - a --skip-comments dump (no header, no trailer) -> 0 with a note that
#     its completeness could not be checked;
#   - --dry-run of the cut dump finds it too;
#   - a PostgreSQL server target -> 3 config_invalid.
. "$(dirname "$0")/lib.sh"

mdb_start
msql -e "CREATE DATABASE shop;
CREATE TABLE shop.orders (id int PRIMARY KEY, note varchar(20));
INSERT INTO shop.orders SELECT seq, CONCAT('n', seq) FROM shop.seq_1_to_500;
CREATE TABLE shop.items (id int PRIMARY KEY);
INSERT INTO shop.items SELECT seq FROM shop.seq_1_to_10;" || fail "seed"

# ------------------------------------------------------------ truncated
S1=$T/src-cut
mkdir -p "$S1"
mdump --skip-extended-insert shop >"$T/full.sql" || fail "mariadb-dump"
n=$(wc -l <"$T/full.sql")
head -n $((n / 2)) "$T/full.sql" | gzip >"$S1/cut.sql.gz"
R=$T/cut.json
run_rd verify --source "$S1" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_truncated
assert_json_true "$R" '.error.message | test("cut.sql.gz") and test("Dump completed")' \
    "the error names the archive and the missing trailer"
R=$T/cut-dry.json
run_rd verify --dry-run --source "$S1" --report "$R" --state-dir "$STATE"
assert_report "$R" 2 critical archive_truncated

# The whole dump, as a control: 0.
S0=$T/src-full
mkdir -p "$S0"
gzip -c "$T/full.sql" >"$S0/full.sql.gz"
R=$T/full.json
run_rd verify --source "$S0" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
R=$T/full-dry.json
run_rd verify --dry-run --source "$S0" --report "$R" --state-dir "$STATE"
assert_report "$R" 0 ok null
assert_json_true "$R" '[.notes[] | select(test("with mariadb into a scratch MariaDB server"))] | length == 1' \
    "the dry run says what a real run would do"

# ------------------------------------------------ MySQL 8: DEFINER, 0900
S2=$T/src-mysql8
mkdir -p "$S2"
cat >"$S2/app.sql" <<'EOF'
-- MySQL dump 10.13  Distrib 8.0.36, for Linux (x86_64)
--
-- Host: db1    Database: app
-- ------------------------------------------------------
-- Server version	8.0.36

/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;
/*!50503 SET NAMES utf8mb4 */;
/*!40103 SET @OLD_TIME_ZONE=@@TIME_ZONE */;
/*!40103 SET TIME_ZONE='+00:00' */;

DROP TABLE IF EXISTS `users`;
CREATE TABLE `users` (
  `id` int NOT NULL AUTO_INCREMENT,
  `name` varchar(50) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci NOT NULL,
  `code` varchar(10) COLLATE utf8mb4_0900_as_cs DEFAULT NULL,
  `raw` varbinary(10) DEFAULT NULL,
  PRIMARY KEY (`id`)
) ENGINE=InnoDB AUTO_INCREMENT=4 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci;
LOCK TABLES `users` WRITE;
INSERT INTO `users` VALUES (1,'ann','A',NULL),(2,'bob','B',NULL),(3,'DEFINER=`x`@`y` utf8mb4_0900_ai_ci','C',NULL);
UNLOCK TABLES;
CREATE TABLE `tags` (`t` varchar(10) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin;
/*!50001 CREATE ALGORITHM=UNDEFINED */
/*!50013 DEFINER=`app_admin`@`%` SQL SECURITY DEFINER */
/*!50001 VIEW `user_names` AS select `users`.`name` AS `name` from `users` */;
DELIMITER ;;
/*!50003 CREATE*/ /*!50017 DEFINER=`app_admin`@`10.0.0.%`*/ /*!50003 TRIGGER `users_bi` BEFORE INSERT ON `users` FOR EACH ROW SET NEW.name = TRIM(NEW.name) */;;
DELIMITER ;
DELIMITER ;;
CREATE DEFINER='app_admin'@'localhost' FUNCTION `one`() RETURNS int
    DETERMINISTIC
RETURN 1 ;;
DELIMITER ;
/*!40103 SET TIME_ZONE=@OLD_TIME_ZONE */;

-- Dump completed on 2026-01-01  0:00:00
EOF
probe_file "$T/probes" users.sql <<'EOF'
-- name: users_view
-- kind: rows
-- min: 3
-- max: 3
SELECT count(*) FROM user_names;
EOF
probe_file "$T/probes" data.sql <<'EOF'
-- name: data_untouched
-- kind: true
SELECT count(*) = 1 FROM users WHERE name = 'DEFINER=`x`@`y` utf8mb4_0900_ai_ci';
EOF
R=$T/mysql8.json
run_rd verify --source "$S2" --probes "$T/probes" --report "$R" --state-dir "$T/state-mysql8"
assert_report "$R" 0 ok null
assert_json "$R" .archive.format mysqldump
assert_json "$R" .archive.server_version 8.0.36
assert_json "$R" .restore.filtered.owner 3
assert_json_true "$R" '[.notes[] | select(test("3 DEFINER= clauses stripped"))] | length == 1' "a note counts the DEFINER clauses"
assert_json_true "$R" '[.notes[] | select(test("utf8mb4_0900_ai_ci -> utf8mb4_uca1400_ai_ci") and test("utf8mb4_0900_bin -> utf8mb4_bin"))] | length == 1' \
    "a note names the mapped collations"
assert_probe "$R" users_view .status ok
assert_probe "$R" data_untouched .status ok      # INSERT data is never rewritten

# A MySQL 8 collation with no MariaDB equivalent: unknown (tool_too_old),
# naming it -- never critical.
S4=$T/src-ja
mkdir -p "$S4"
sed 's/COLLATE utf8mb4_0900_as_cs/COLLATE utf8mb4_ja_0900_as_cs/' "$S2/app.sql" >"$S4/app.sql"
R=$T/ja.json
run_rd verify --source "$S4" --report "$R" --state-dir "$T/state-ja"
assert_report "$R" 3 unknown tool_too_old
assert_json_true "$R" '.error.message | test("utf8mb4_ja_0900_as_cs")' "the error names the collation"

# ------------------------------------------------------ --skip-comments
S3=$T/src-skip
mkdir -p "$S3"
mdump --skip-comments shop | zstd -q >"$S3/shop.sql.zst" || fail "mariadb-dump --skip-comments"
R=$T/skip.json
run_rd verify --source "$S3" --report "$R" --state-dir "$T/state-skip"
assert_report "$R" 0 ok null
assert_json "$R" .archive.format mysqldump
assert_json "$R" .archive.compression zstd
assert_json_true "$R" '[.notes[] | select(test("skip-comments.*could not be checked"))] | length == 1' \
    "a note says the completeness could not be checked"

# A PostgreSQL server as target: config_invalid (existing MySQL servers are
# not restore targets either: a mysql:// target is not a valid conninfo).
R=$T/server.json
run_rd verify --source "$S0" --target "host=$T/nowhere dbname=x" --report "$R" --state-dir "$T/state-server"
assert_report "$R" 3 unknown config_invalid
assert_json_true "$R" '.error.message | test("throwaway MariaDB")' "the message says where it can go"
