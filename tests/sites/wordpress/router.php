<?php
// PHP's built-in server in front of WordPress: files as they are, PHP files run, every other path
// (pretty permalinks) through index.php. ABSPATH is the test's own docroot, so WordPress reads the
// test's wp-config.php and wp-content, not Debian's /etc/wordpress.
define('ABSPATH', getenv('WP_TEST_ROOT') . '/');
$path = urldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH));
$file = realpath(ABSPATH . ltrim($path, '/'));
if ($file !== false && is_file($file)) {
    if (substr($file, -4) !== '.php') {
        return false;  // a static file: the built-in server sends it
    }
    chdir(dirname($file));
    require $file;
    return true;
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['PHP_SELF'] = '/index.php';
require ABSPATH . 'index.php';
