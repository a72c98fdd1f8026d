<?php
/*
 * Plugin Name: Offline test site
 * Description: No mail, no update checks: a WordPress for tests on loopback.
 */
function wp_mail() {
    return true;
}
add_filter('pre_wp_mail', '__return_true');
add_filter('automatic_updater_disabled', '__return_true');
