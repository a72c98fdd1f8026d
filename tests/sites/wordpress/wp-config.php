<?php
// The test WordPress's configuration: its own database socket and content folder (written next to
// it by tests/sites/wordpress), nothing shared with the machine's /etc/wordpress.
$config = json_decode(file_get_contents(__DIR__ . '/test-config.json'), true);
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:' . $config['socket']);
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
$table_prefix = 'wp_';
$host = $_SERVER['HTTP_HOST'] ?? getenv('WP_TEST_HOST');
define('WP_HOME', 'http://' . $host);
define('WP_SITEURL', 'http://' . $host);
define('WP_CONTENT_DIR', __DIR__ . '/wp-content');
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('DISALLOW_FILE_MODS', true);
define('DISABLE_WP_CRON', true);
define('WP_DEBUG', false);
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT',
          'LOGGED_IN_SALT', 'NONCE_SALT'] as $key) {
    define($key, 'scraper-tests-' . $key);
}
if (!defined('ABSPATH')) {
    define('ABSPATH', __DIR__ . '/');
}
require_once ABSPATH . 'wp-settings.php';
