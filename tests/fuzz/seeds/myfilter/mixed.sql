/*!50013 DEFINER=`a`@`%` SQL SECURITY DEFINER */
CREATE TABLE `t` (x int) COLLATE=utf8mb4_0900_ai_ci;
INSERT INTO `t` VALUES (1);
-- Current Database: `mysql`
USE `mysql`;
DROP TABLE x;
USE `shop`;
-- Dump completed on 2026
